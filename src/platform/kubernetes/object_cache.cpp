#include "platform/kubernetes/object_cache.h"

#include <charconv>

#include "common/log.h"

namespace aviary::platform::kubernetes {
namespace {

std::string rvOf(const Json& o) {
  auto m = o.find("metadata");
  if (m == o.end() || !m->is_object()) return {};
  return m->value("resourceVersion", "");
}

}  // namespace

bool olderResourceVersion(const std::string& candidate, const std::string& current) {
  uint64_t a = 0, b = 0;
  auto ra = std::from_chars(candidate.data(), candidate.data() + candidate.size(), a);
  auto rb = std::from_chars(current.data(), current.data() + current.size(), b);
  if (ra.ec != std::errc() || rb.ec != std::errc() || ra.ptr != candidate.data() + candidate.size() ||
      rb.ptr != current.data() + current.size()) {
    return false;
  }
  return a < b;
}

ObjectCache::ObjectCache(kube::Client& client, kube::Resource resource, std::string ns, Handler handler)
    : client_(client), resource_(std::move(resource)), ns_(std::move(ns)), handler_(std::move(handler)) {}

ObjectCache::~ObjectCache() {
  stop();
}

std::string ObjectCache::keyOf(const Json& o) {
  const auto& m = o.at("metadata");
  return m.value("namespace", "") + "/" + m.value("name", "");
}

void ObjectCache::start() {
  kube::ReflectorHandlers h;
  h.onSync = [this](const std::vector<Json>& items, const std::string&) {
    // A (re)list replaces the whole cache: objects missing from it were deleted meanwhile.
    std::vector<std::pair<Event, JsonPtr>> changes;
    {
      std::lock_guard lock(mu_);
      std::map<std::string, JsonPtr> next;
      for (const auto& i : items) {
        auto key = keyOf(i);
        auto it = objects_.find(key);
        if (it != objects_.end() && rvOf(*it->second) == rvOf(i)) {
          next[key] = it->second;
          continue;
        }
        auto p = std::make_shared<const Json>(i);
        next[key] = p;
        changes.emplace_back(Event::Upsert, p);
      }
      for (const auto& [k, v] : objects_) {
        if (!next.count(k)) changes.emplace_back(Event::Delete, v);
      }
      objects_ = std::move(next);
      synced_ = true;
    }
    syncedCv_.notify_all();
    if (handler_)
      for (const auto& [e, o] : changes) handler_(e, o);
  };
  h.onEvent = [this](const kube::WatchEvent& e) {
    if (!e.object.is_object() || !e.object.contains("metadata")) return;
    if (e.type == "DELETED") {
      const auto& m = e.object["metadata"];
      // A deletion older than what we hold (an object re-created since) is not ours to apply.
      if (auto cur = get(m.value("namespace", ""), m.value("name", ""));
          cur && olderResourceVersion(rvOf(e.object), rvOf(*cur)))
        return;
      erase(m.value("namespace", ""), m.value("name", ""));
      return;
    }
    JsonPtr stored;
    if (upsert(e.object, &stored) && handler_) handler_(Event::Upsert, stored);
  };
  h.onError = [this](const Error& err) { spdlog::warn("watch {}: {}", resource_.plural, err.message); };
  kube::ReflectorOptions ro;
  ro.watchTimeout = std::chrono::seconds(300);
  reflector_ = std::make_unique<kube::Reflector>(client_, resource_, ns_, ro, std::move(h));
  thread_ = std::thread([this] { reflector_->run(stop_); });
}

void ObjectCache::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool ObjectCache::waitSynced(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return syncedCv_.wait_for(lock, timeout, [this] { return synced_; });
}

JsonPtr ObjectCache::get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(ns + "/" + name);
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<JsonPtr> ObjectCache::list() const {
  std::lock_guard lock(mu_);
  std::vector<JsonPtr> out;
  out.reserve(objects_.size());
  for (const auto& [k, v] : objects_) out.push_back(v);
  return out;
}

size_t ObjectCache::size() const {
  std::lock_guard lock(mu_);
  return objects_.size();
}

bool ObjectCache::upsert(const Json& object, JsonPtr* stored) {
  std::lock_guard lock(mu_);
  auto& slot = objects_[keyOf(object)];
  if (slot) {
    const std::string have = rvOf(*slot), next = rvOf(object);
    if (have == next || olderResourceVersion(next, have)) return false;
  }
  slot = std::make_shared<const Json>(object);
  *stored = slot;
  return true;
}

void ObjectCache::put(const Json& object) {
  JsonPtr stored;
  if (upsert(object, &stored) && handler_) handler_(Event::Upsert, stored);
}

void ObjectCache::erase(const std::string& ns, const std::string& name) {
  JsonPtr gone;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(ns + "/" + name);
    if (it == objects_.end()) return;
    gone = it->second;
    objects_.erase(it);
  }
  if (handler_) handler_(Event::Delete, gone);
}

}  // namespace aviary::platform::kubernetes
