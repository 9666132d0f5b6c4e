#include "sandbox/store.h"

#include <cstdio>
#include <ctime>

namespace aviary::sandbox {

namespace {

Error apiError(ErrorCode code, const char* reason, std::string message) {
  return makeError(code, std::move(message), reason);
}

std::string quoted(const ResourceType& type, const std::string& name) {
  return type.groupResource() + " \"" + name + "\"";
}

// Everything a spec change is made of: the object without metadata and status.
Json specPart(const Json& o) {
  Json c = o;
  if (c.is_object()) {
    c.erase("metadata");
    c.erase("status");
    c.erase("apiVersion");
    c.erase("kind");
  }
  return c;
}

bool isNamespaceType(const ResourceType& t) { return t.group.empty() && t.plural == "namespaces"; }

}  // namespace

std::string formatTime(Clock::TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Store::Store(const Clock& clock, Random& random, size_t historyLimit)
    : clock_(clock), random_(random), historyLimit_(historyLimit == 0 ? 1 : historyLimit) {}

uint64_t Store::resourceVersion() const {
  std::lock_guard lock(mu_);
  return rv_;
}

std::string Store::nowString() const { return formatTime(clock_.now()); }

std::string Store::newUid() {
  // A version-4 UUID from the injected Random (deterministic in tests).
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) {
    int v = static_cast<int>(random_.next(16));
    if (i == 12) v = 4;
    if (i == 16) v = 8 | (v & 3);
    s += hex[v];
    if (i == 7 || i == 11 || i == 15 || i == 19) s += '-';
  }
  return s;
}

Result<Json> Store::get(const ResourceType& type, const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find({type.groupResource(), type.namespaced ? ns : "", name});
  if (it == objects_.end()) return apiError(ErrorCode::NotFound, "NotFound", quoted(type, name) + " not found");
  return it->second;
}

std::vector<Json> Store::list(const ResourceType& type, const std::string& ns, uint64_t* rv) const {
  std::lock_guard lock(mu_);
  std::vector<Json> out;
  const std::string gr = type.groupResource();
  for (auto it = objects_.lower_bound({gr, "", ""}); it != objects_.end() && std::get<0>(it->first) == gr; ++it) {
    if (!ns.empty() && type.namespaced && std::get<1>(it->first) != ns) continue;
    out.push_back(it->second);
  }
  if (rv) *rv = rv_;
  return out;
}

uint64_t Store::recordLocked(const std::string& type, const std::string& gr, const std::string& ns, Json object,
                             Json previous) {
  ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv_);
  history_.push_back(StoredEvent{rv_, type, gr, ns, std::move(object), std::move(previous)});
  while (history_.size() > historyLimit_) {
    compactedRv_ = history_.front().resourceVersion;
    history_.pop_front();
  }
  cv_.notify_all();
  return rv_;
}

void Store::notify(const std::optional<StoredEvent>& event) {
  std::function<void(const StoredEvent&)> listener;
  {
    std::lock_guard lock(mu_);
    listener = listener_;
  }
  if (event && listener) listener(*event);
}

Result<Json> Store::create(const ResourceType& type, const std::string& ns, Json object) {
  if (!object.is_object()) return apiError(ErrorCode::Invalid, "BadRequest", "expected a JSON object");
  Json& meta = object["metadata"];
  if (!meta.is_object()) return apiError(ErrorCode::Invalid, "Invalid", "metadata: expected an object");
  std::string name = meta.value("name", "");
  std::optional<StoredEvent> event;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return apiError(ErrorCode::Unavailable, "ServiceUnavailable", "the sandbox is stopping");
    if (name.empty()) {
      std::string prefix = meta.value("generateName", "");
      if (prefix.empty()) {
        return apiError(ErrorCode::Invalid, "Invalid",
                        type.kind + " is invalid: metadata.name: Required value: name or generateName is required");
      }
      name = prefix + std::to_string(10000 + ++generateCounter_);
    }
    if (type.namespaced) {
      if (ns.empty()) return apiError(ErrorCode::Invalid, "BadRequest", "the namespace of the object is required");
      if (!objects_.count({"namespaces", "", ns})) {
        return apiError(ErrorCode::NotFound, "NotFound", "namespaces \"" + ns + "\" not found");
      }
    }
    Key key{type.groupResource(), type.namespaced ? ns : "", name};
    if (objects_.count(key)) {
      return apiError(ErrorCode::Conflict, "AlreadyExists", quoted(type, name) + " already exists");
    }
    meta["name"] = name;
    if (type.namespaced) {
      meta["namespace"] = ns;
    } else {
      meta.erase("namespace");
    }
    meta["uid"] = newUid();
    meta["creationTimestamp"] = nowString();
    meta.erase("deletionTimestamp");
    if (type.generation) meta["generation"] = 1;
    if (type.statusSubresource && !isNamespaceType(type)) object.erase("status");
    if (isNamespaceType(type)) object["status"] = {{"phase", "Active"}};
    object["apiVersion"] = type.apiVersion();
    object["kind"] = type.kind;
    recordLocked("ADDED", type.groupResource(), type.namespaced ? ns : "", object, nullptr);
    object = history_.back().object;
    objects_[key] = object;
    event = history_.back();
  }
  notify(event);
  return object;
}

Result<std::map<Store::Key, Json>::iterator> Store::findLocked(const ResourceType& type, const std::string& ns,
                                                              const std::string& name) {
  if (stopped_) return apiError(ErrorCode::Unavailable, "ServiceUnavailable", "the sandbox is stopping");
  auto it = objects_.find({type.groupResource(), type.namespaced ? ns : "", name});
  if (it == objects_.end()) return apiError(ErrorCode::NotFound, "NotFound", quoted(type, name) + " not found");
  return it;
}

Result<Json> Store::update(const ResourceType& type, const std::string& ns, const std::string& name, WritePart part,
                           const Mutator& mutate) {
  std::optional<StoredEvent> event;
  Json stored;
  {
    std::lock_guard lock(mu_);
    auto found = findLocked(type, ns, name);
    if (!found) return found.error();
    auto it = *found;
    const Key key = it->first;
    const Json old = it->second;
    auto proposed = mutate(old);
    if (!proposed) return proposed.error();
    Json next = std::move(proposed.value());
    if (!next.is_object()) return apiError(ErrorCode::Invalid, "BadRequest", "expected a JSON object");
    if (!next["metadata"].is_object()) return apiError(ErrorCode::Invalid, "Invalid", "metadata: expected an object");
    const Json& oldMeta = old["metadata"];
    Json& meta = next["metadata"];
    std::string bodyName = meta.value("name", name);
    if (bodyName != name) {
      return apiError(ErrorCode::Invalid, "BadRequest",
                      "the name of the object (" + bodyName + ") does not match the name on the URL (" + name + ")");
    }
    if (meta.contains("resourceVersion") && !meta["resourceVersion"].is_null() &&
        meta["resourceVersion"] != "" && meta["resourceVersion"] != oldMeta["resourceVersion"]) {
      return apiError(ErrorCode::Conflict, "Conflict",
                      "Operation cannot be fulfilled on " + quoted(type, name) +
                          ": the object has been modified; please apply your changes to the latest version and try again");
    }
    if (part == WritePart::Status) {
      // The status subresource takes .status only.
      Json status = next.contains("status") ? next["status"] : Json(nullptr);
      next = old;
      if (status.is_null()) {
        next.erase("status");
      } else {
        next["status"] = status;
      }
    } else {
      if (type.statusSubresource) {
        if (old.contains("status")) {
          next["status"] = old["status"];
        } else {
          next.erase("status");
        }
      }
      // What the server owns stays as stored.
      for (const char* k : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                            "generation", "namespace", "name"}) {
        if (oldMeta.contains(k)) {
          meta[k] = oldMeta[k];
        } else {
          meta.erase(k);
        }
      }
      if (type.generation && specPart(next) != specPart(old)) {
        meta["generation"] = oldMeta.value("generation", 0) + 1;
      }
    }
    next["apiVersion"] = type.apiVersion();
    next["kind"] = type.kind;
    next["metadata"]["resourceVersion"] = oldMeta["resourceVersion"];
    if (next == old) return old;  // a no-op write: no new resourceVersion, no event
    const Json& m = next["metadata"];
    bool finalizersLeft = m.contains("finalizers") && m["finalizers"].is_array() && !m["finalizers"].empty();
    if (m.contains("deletionTimestamp") && !finalizersLeft) {
      objects_.erase(it);
      recordLocked("DELETED", type.groupResource(), std::get<1>(key), next, old);
    } else {
      recordLocked("MODIFIED", type.groupResource(), std::get<1>(key), next, old);
      it->second = history_.back().object;
    }
    stored = history_.back().object;
    event = history_.back();
  }
  notify(event);
  return stored;
}

Result<Json> Store::remove(const ResourceType& type, const std::string& ns, const std::string& name) {
  std::vector<StoredEvent> events;
  Json stored;
  {
    std::lock_guard lock(mu_);
    auto found = findLocked(type, ns, name);
    if (!found) return found.error();
    auto it = *found;
    const Key key = it->first;
    const Json old = it->second;
    const Json& meta = old["metadata"];
    bool finalizers = meta.contains("finalizers") && meta["finalizers"].is_array() && !meta["finalizers"].empty();
    if (finalizers) {
      if (meta.contains("deletionTimestamp")) return old;  // already marked: nothing changes
      Json next = old;
      next["metadata"]["deletionTimestamp"] = nowString();
      next["metadata"]["deletionGracePeriodSeconds"] = 0;
      recordLocked("MODIFIED", type.groupResource(), std::get<1>(key), next, old);
      it->second = history_.back().object;
      events.push_back(history_.back());
    } else {
      objects_.erase(it);
      recordLocked("DELETED", type.groupResource(), std::get<1>(key), old, old);
      events.push_back(history_.back());
      if (isNamespaceType(type)) {
        // The namespace controller's work, done at once: everything in the namespace goes with it.
        for (auto o = objects_.begin(); o != objects_.end();) {
          if (std::get<1>(o->first) == name) {
            recordLocked("DELETED", std::get<0>(o->first), name, o->second, o->second);
            events.push_back(history_.back());
            o = objects_.erase(o);
          } else {
            ++o;
          }
        }
      }
    }
    stored = events.front().object;
  }
  for (const auto& e : events) notify(e);
  return stored;
}

void Store::removeAll(const std::string& groupResource, const std::string& ns) {
  std::vector<StoredEvent> events;
  {
    std::lock_guard lock(mu_);
    for (auto o = objects_.begin(); o != objects_.end();) {
      if (std::get<0>(o->first) == groupResource && (ns.empty() || std::get<1>(o->first) == ns)) {
        recordLocked("DELETED", groupResource, std::get<1>(o->first), o->second, o->second);
        events.push_back(history_.back());
        o = objects_.erase(o);
      } else {
        ++o;
      }
    }
  }
  for (const auto& e : events) notify(e);
}

std::optional<std::vector<StoredEvent>> Store::eventsAfter(uint64_t afterRv) const {
  std::lock_guard lock(mu_);
  if (afterRv < compactedRv_) return std::nullopt;
  std::vector<StoredEvent> out;
  for (const auto& e : history_) {
    if (e.resourceVersion > afterRv) out.push_back(e);
  }
  return out;
}

bool Store::waitAfter(uint64_t afterRv, std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, deadline, [&] { return stopped_ || rv_ > afterRv; });
  return !stopped_;
}

void Store::compact() {
  std::lock_guard lock(mu_);
  history_.clear();
  compactedRv_ = rv_;
}

void Store::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

Json Store::snapshot() const {
  std::lock_guard lock(mu_);
  Json objects = Json::array();
  for (const auto& [key, o] : objects_) objects.push_back({{"groupResource", std::get<0>(key)}, {"object", o}});
  return {{"resourceVersion", rv_}, {"objects", objects}};
}

Status Store::restore(const Json& snap) {
  if (!snap.is_object() || !snap.contains("resourceVersion") || !snap["resourceVersion"].is_number_unsigned() ||
      !snap.contains("objects") || !snap["objects"].is_array()) {
    return makeError(ErrorCode::Invalid, "expected {\"resourceVersion\": N, \"objects\": [...]}");
  }
  std::map<Key, Json> objects;
  for (size_t i = 0; i < snap["objects"].size(); ++i) {
    const Json& e = snap["objects"][i];
    const Json* meta = e.is_object() && e.contains("object") && e["object"].is_object() && e["object"].contains("metadata")
                           ? &e["object"]["metadata"] : nullptr;
    if (!meta || !meta->is_object() || !e.contains("groupResource") || !e["groupResource"].is_string() ||
        !meta->contains("name") || !(*meta)["name"].is_string()) {
      return makeError(ErrorCode::Invalid, "objects[" + std::to_string(i) + "]: expected groupResource and an object with metadata.name");
    }
    objects[{e["groupResource"], meta->value("namespace", ""), (*meta)["name"]}] = e["object"];
  }
  std::lock_guard lock(mu_);
  objects_ = std::move(objects);
  rv_ = std::max<uint64_t>(snap["resourceVersion"].get<uint64_t>(), 1);
  compactedRv_ = rv_;
  history_.clear();
  return okStatus();
}

void Store::setListener(std::function<void(const StoredEvent&)> listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

}  // namespace aviary::sandbox
