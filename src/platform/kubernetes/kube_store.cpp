#include "platform/kubernetes/kube_store.h"

#include <fmt/format.h>

#include "api/decode.h"
#include "api/encode.h"
#include "common/log.h"
#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {
namespace {

std::string keyOf(const Json& o) {
  const auto& m = o.at("metadata");
  return m.value("namespace", "") + "/" + m.value("name", "");
}

}  // namespace

KubeStore::KubeStore(kube::Client& client, std::string ns)
    : client_(client),
      canaries_(client, kCanaries, ns,
                [this](ObjectCache::Event e, const JsonPtr& o) { onObject(Kind::Canary, e, o); }),
      templates_(client, kMetricTemplates, ns,
                 [this](ObjectCache::Event e, const JsonPtr& o) { onObject(Kind::MetricTemplate, e, o); }),
      providers_(client, kAlertProviders, ns,
                 [this](ObjectCache::Event e, const JsonPtr& o) { onObject(Kind::AlertProvider, e, o); }) {}

KubeStore::~KubeStore() {
  stop();
}

void KubeStore::start() {
  templates_.start();
  providers_.start();
  canaries_.start();
}

void KubeStore::requestStop() {
  for (auto* c : {&canaries_, &templates_, &providers_}) c->requestStop();
}

void KubeStore::stop() {
  requestStop();
  canaries_.stop();
  templates_.stop();
  providers_.stop();
}

bool KubeStore::waitSynced(std::chrono::milliseconds timeout) {
  return templates_.waitSynced(timeout) && providers_.waitSynced(timeout) && canaries_.waitSynced(timeout);
}

JsonPtr KubeStore::rawCanary(const std::string& ns, const std::string& name) const {
  return canaries_.get(ns, name);
}

bool KubeStore::eraseLocked(Kind kind, const Key& key) {
  switch (kind) {
    case Kind::Canary:
      return canaryObjs_.erase(key) > 0;
    case Kind::MetricTemplate:
      return templateObjs_.erase(key) > 0;
    case Kind::AlertProvider:
      return providerObjs_.erase(key) > 0;
  }
  return false;
}

void KubeStore::onObject(Kind kind, ObjectCache::Event event, const JsonPtr& object) {
  const Key key = keyOf(*object);
  const auto& meta = (*object)["metadata"];
  Change change{ChangeType::Updated, kind, meta.value("namespace", ""), meta.value("name", ""),
                meta.value("resourceVersion", "")};
  const Change gone{ChangeType::Deleted, kind, change.namespace_, change.name, {}};
  if (event == ObjectCache::Event::Delete) {
    bool existed;
    {
      std::lock_guard lock(mu_);
      existed = eraseLocked(kind, key);
    }
    if (existed) notify(gone);
    return;
  }
  // Decoded with the same reader as files: Flagger's defaults, every problem at once.
  auto loaded = api::loadString(object->dump(), fmt::format("{}/{}", toString(kind), key));
  if (!loaded.ok()) {
    std::lock_guard lock(mu_);
    auto& seen = reported_[std::string(toString(kind)) + "/" + key];
    if (seen != change.resourceVersion) {
      seen = change.resourceVersion;
      std::string all;
      for (const auto& e : loaded.errors) all += "\n  " + e.format();
      spdlog::error("{} {} cannot be read; its last readable version stays in effect:{}", toString(kind), key, all);
    }
    return;
  }
  {
    std::lock_guard lock(mu_);
    switch (kind) {
      case Kind::Canary: {
        if (loaded.canaries.empty()) return;
        auto& slot = canaryObjs_[key];
        // Two threads (the watch and a writer's write-through) may hand over versions out of order.
        if (slot && olderResourceVersion(change.resourceVersion, slot->metadata.resourceVersion)) return;
        change.type = slot ? ChangeType::Updated : ChangeType::Added;
        slot = std::make_shared<const api::Canary>(std::move(loaded.canaries.front()));
        break;
      }
      case Kind::MetricTemplate: {
        if (loaded.templates.empty()) return;
        auto& slot = templateObjs_[key];
        if (slot && olderResourceVersion(change.resourceVersion, slot->metadata.resourceVersion)) return;
        change.type = slot ? ChangeType::Updated : ChangeType::Added;
        slot = std::make_shared<const api::MetricTemplate>(std::move(loaded.templates.front()));
        break;
      }
      case Kind::AlertProvider: {
        if (loaded.alertProviders.empty()) return;
        auto& slot = providerObjs_[key];
        if (slot && olderResourceVersion(change.resourceVersion, slot->metadata.resourceVersion)) return;
        change.type = slot ? ChangeType::Updated : ChangeType::Added;
        slot = std::make_shared<const api::AlertProvider>(std::move(loaded.alertProviders.front()));
        break;
      }
    }
  }
  notify(change);
}

void KubeStore::notify(const Change& change) {
  std::vector<Watcher> watchers;
  {
    std::lock_guard lock(mu_);
    watchers = watchers_;
  }
  for (const auto& w : watchers) w(change);
}

std::shared_ptr<const api::Canary> KubeStore::getCanary(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = canaryObjs_.find(ns + "/" + name);
  return it == canaryObjs_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const api::Canary>> KubeStore::listCanaries() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const api::Canary>> out;
  for (const auto& [k, c] : canaryObjs_) out.push_back(c);
  return out;
}

std::shared_ptr<const api::MetricTemplate> KubeStore::getMetricTemplate(const std::string& ns,
                                                                        const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = templateObjs_.find(ns + "/" + name);
  return it == templateObjs_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const api::MetricTemplate>> KubeStore::listMetricTemplates() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const api::MetricTemplate>> out;
  for (const auto& [k, t] : templateObjs_) out.push_back(t);
  return out;
}

std::shared_ptr<const api::AlertProvider> KubeStore::getAlertProvider(const std::string& ns,
                                                                      const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = providerObjs_.find(ns + "/" + name);
  return it == providerObjs_.end() ? nullptr : it->second;
}

void KubeStore::watch(Watcher watcher) {
  std::vector<Change> replay;
  {
    std::lock_guard lock(mu_);
    watchers_.push_back(watcher);
    for (const auto& [k, t] : templateObjs_)
      replay.push_back({ChangeType::Added, Kind::MetricTemplate, t->metadata.namespace_, t->metadata.name,
                        t->metadata.resourceVersion});
    for (const auto& [k, p] : providerObjs_)
      replay.push_back({ChangeType::Added, Kind::AlertProvider, p->metadata.namespace_, p->metadata.name,
                        p->metadata.resourceVersion});
    for (const auto& [k, c] : canaryObjs_)
      replay.push_back(
          {ChangeType::Added, Kind::Canary, c->metadata.namespace_, c->metadata.name, c->metadata.resourceVersion});
  }
  for (const auto& c : replay) watcher(c);
}

Result<std::string> KubeStore::write(const std::string& ns, const std::string& name, const std::string& resourceVersion,
                                     const std::function<void(Json&)>& edit, bool status) {
  auto raw = canaries_.get(ns, name);
  if (!raw) return makeError(ErrorCode::NotFound, fmt::format("canary {}.{} not found", name, ns));
  Json obj = *raw;
  obj["metadata"]["resourceVersion"] = resourceVersion;  // the server refuses a stale one (409)
  edit(obj);
  auto r = status ? client_.updateStatus(kCanaries, ns, obj) : client_.update(kCanaries, ns, obj);
  if (!r) {
    if (r.error().code == ErrorCode::NotFound) canaries_.erase(ns, name);
    return r.error();
  }
  if ((*r).is_object() && (*r).contains("metadata")) {
    canaries_.put(*r);  // write-through: the next read answers what we wrote
    return (*r)["metadata"].value("resourceVersion", "");
  }
  return makeError(ErrorCode::Unavailable,
                   "the API server answered the write of canary " + name + " without an object");
}

Result<std::string> KubeStore::updateStatus(const std::string& ns, const std::string& name,
                                            const std::string& resourceVersion, const api::CanaryStatus& status) {
  return write(
      ns, name, resourceVersion,
      [&](Json& obj) {
        api::Canary tmp;
        tmp.status = status;
        Json encoded = api::encode(tmp);
        obj["status"] = encoded.contains("status") ? encoded["status"] : Json::object();
      },
      true);
}

Result<std::string> KubeStore::setFinalizers(const std::string& ns, const std::string& name,
                                             const std::string& resourceVersion, std::vector<std::string> finalizers) {
  auto r = write(
      ns, name, resourceVersion,
      [&](Json& obj) {
        // Flagger writes an empty list as null (absent).
        if (finalizers.empty()) {
          obj["metadata"].erase("finalizers");
        } else {
          obj["metadata"]["finalizers"] = finalizers;
        }
      },
      false);
  // The write that removes the last finalizer of a canary being deleted deletes it: the answer is
  // the object as it was, and the watch's DELETED follows.
  if (r && finalizers.empty()) {
    auto raw = canaries_.get(ns, name);
    if (raw && (*raw)["metadata"].contains("deletionTimestamp")) canaries_.erase(ns, name);
  }
  return r;
}

Result<std::string> KubeStore::removeAnnotations(const std::string& ns, const std::string& name,
                                                 const std::string& resourceVersion,
                                                 const std::vector<std::string>& keys) {
  // A PUT with the resourceVersion read: of two controllers (or a user's concurrent edit) one
  // wins, so an action is consumed once.
  return write(
      ns, name, resourceVersion,
      [&](Json& obj) {
        auto& meta = obj["metadata"];
        if (!meta.contains("annotations") || !meta["annotations"].is_object()) return;
        for (const auto& k : keys) meta["annotations"].erase(k);
        if (meta["annotations"].empty()) meta.erase("annotations");
      },
      false);
}

}  // namespace aviary::platform::kubernetes
