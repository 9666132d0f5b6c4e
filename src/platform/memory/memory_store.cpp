#include "platform/memory/memory_store.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/encode.h"
#include "common/log.h"
#include "controller/gofmt.h"

namespace aviary::platform {
namespace {

using controller::rfc3339;

const std::string& nsOr(const std::string& ns) {
  static const std::string kDefault = "default";
  return ns.empty() ? kDefault : ns;
}

Error notFound(const std::string& kind, const std::string& ns, const std::string& name) {
  return makeError(ErrorCode::NotFound, fmt::format("{} {}.{} not found", kind, name, ns));
}

Error conflict(const std::string& ns, const std::string& name, const std::string& have, const std::string& want) {
  return makeError(ErrorCode::Conflict,
                   fmt::format("Operation cannot be fulfilled on canaries \"{}\" in {}: the object has been modified "
                               "(resourceVersion {} is stale, current {}); please apply your changes to the latest version",
                               name, ns, have, want));
}

}  // namespace

std::string MemoryStore::nextVersion() { return std::to_string(++version_); }

void MemoryStore::notify(const std::vector<Change>& changes) {
  std::vector<Watcher> watchers;
  {
    std::lock_guard lock(mu_);
    watchers = watchers_;
  }
  for (const auto& c : changes)
    for (const auto& w : watchers) w(c);
}

std::string MemoryStore::applyCanary(api::Canary canary) {
  canary.metadata.namespace_ = nsOr(canary.metadata.namespace_);
  Change change{ChangeType::Added, Kind::Canary, canary.metadata.namespace_, canary.metadata.name, {}};
  {
    std::lock_guard lock(mu_);
    const Key key{canary.metadata.namespace_, canary.metadata.name};
    auto it = canaries_.find(key);
    if (it != canaries_.end()) {
      const api::Canary& old = *it->second;
      change.type = ChangeType::Updated;
      // Spec changes bump the generation; status, finalizers and a pending deletion are the
      // server's and stay.
      const bool specChanged = api::encode(old)["spec"] != api::encode(canary)["spec"];
      canary.metadata.generation = old.metadata.generation + (specChanged ? 1 : 0);
      canary.metadata.uid = old.metadata.uid;
      canary.metadata.finalizers = old.metadata.finalizers;
      canary.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      canary.status = old.status;
    } else {
      if (canary.metadata.generation == 0) canary.metadata.generation = 1;
      if (canary.metadata.uid.empty()) canary.metadata.uid = fmt::format("mem-{}", version_ + 1);
    }
    canary.metadata.resourceVersion = nextVersion();
    change.resourceVersion = canary.metadata.resourceVersion;
    canaries_[key] = std::make_shared<const api::Canary>(std::move(canary));
  }
  notify({change});
  return change.resourceVersion;
}

Status MemoryStore::deleteCanary(const std::string& nsIn, const std::string& name) {
  const std::string& ns = nsOr(nsIn);
  Change change{ChangeType::Deleted, Kind::Canary, ns, name, {}};
  {
    std::lock_guard lock(mu_);
    auto it = canaries_.find({ns, name});
    if (it == canaries_.end()) return notFound("canary", ns, name);
    if (!it->second->metadata.finalizers.empty()) {
      if (!it->second->metadata.deletionTimestamp.empty()) return okStatus();  // already pending
      auto next = std::make_shared<api::Canary>(*it->second);
      next->metadata.deletionTimestamp = rfc3339(clock_.now());
      next->metadata.resourceVersion = nextVersion();
      change.type = ChangeType::Updated;
      change.resourceVersion = next->metadata.resourceVersion;
      it->second = std::move(next);
    } else {
      canaries_.erase(it);
    }
  }
  notify({change});
  return okStatus();
}

std::string MemoryStore::applyMetricTemplate(api::MetricTemplate tmpl) {
  tmpl.metadata.namespace_ = nsOr(tmpl.metadata.namespace_);
  Change change{ChangeType::Added, Kind::MetricTemplate, tmpl.metadata.namespace_, tmpl.metadata.name, {}};
  {
    std::lock_guard lock(mu_);
    auto& slot = templates_[{tmpl.metadata.namespace_, tmpl.metadata.name}];
    if (slot) change.type = ChangeType::Updated;
    tmpl.metadata.resourceVersion = nextVersion();
    change.resourceVersion = tmpl.metadata.resourceVersion;
    slot = std::make_shared<const api::MetricTemplate>(std::move(tmpl));
  }
  notify({change});
  return change.resourceVersion;
}

Status MemoryStore::deleteMetricTemplate(const std::string& nsIn, const std::string& name) {
  const std::string& ns = nsOr(nsIn);
  {
    std::lock_guard lock(mu_);
    if (templates_.erase({ns, name}) == 0) return notFound("metrictemplate", ns, name);
    ++version_;
  }
  notify({{ChangeType::Deleted, Kind::MetricTemplate, ns, name, {}}});
  return okStatus();
}

std::string MemoryStore::applyAlertProvider(api::AlertProvider provider) {
  provider.metadata.namespace_ = nsOr(provider.metadata.namespace_);
  Change change{ChangeType::Added, Kind::AlertProvider, provider.metadata.namespace_, provider.metadata.name, {}};
  {
    std::lock_guard lock(mu_);
    auto& slot = providers_[{provider.metadata.namespace_, provider.metadata.name}];
    if (slot) change.type = ChangeType::Updated;
    provider.metadata.resourceVersion = nextVersion();
    change.resourceVersion = provider.metadata.resourceVersion;
    slot = std::make_shared<const api::AlertProvider>(std::move(provider));
  }
  notify({change});
  return change.resourceVersion;
}

Status MemoryStore::deleteAlertProvider(const std::string& nsIn, const std::string& name) {
  const std::string& ns = nsOr(nsIn);
  {
    std::lock_guard lock(mu_);
    if (providers_.erase({ns, name}) == 0) return notFound("alertprovider", ns, name);
    ++version_;
  }
  notify({{ChangeType::Deleted, Kind::AlertProvider, ns, name, {}}});
  return okStatus();
}

std::shared_ptr<const api::Canary> MemoryStore::getCanary(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = canaries_.find({nsOr(ns), name});
  return it == canaries_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const api::Canary>> MemoryStore::listCanaries() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const api::Canary>> out;
  out.reserve(canaries_.size());
  for (const auto& [k, c] : canaries_) out.push_back(c);
  return out;
}

std::shared_ptr<const api::MetricTemplate> MemoryStore::getMetricTemplate(const std::string& ns,
                                                                          const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = templates_.find({nsOr(ns), name});
  return it == templates_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const api::MetricTemplate>> MemoryStore::listMetricTemplates() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const api::MetricTemplate>> out;
  for (const auto& [k, t] : templates_) out.push_back(t);
  return out;
}

std::shared_ptr<const api::AlertProvider> MemoryStore::getAlertProvider(const std::string& ns,
                                                                        const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = providers_.find({nsOr(ns), name});
  return it == providers_.end() ? nullptr : it->second;
}

void MemoryStore::watch(Watcher watcher) {
  std::vector<Change> replay;
  {
    std::lock_guard lock(mu_);
    watchers_.push_back(watcher);
    for (const auto& [k, t] : templates_)
      replay.push_back({ChangeType::Added, Kind::MetricTemplate, k.first, k.second, t->metadata.resourceVersion});
    for (const auto& [k, p] : providers_)
      replay.push_back({ChangeType::Added, Kind::AlertProvider, k.first, k.second, p->metadata.resourceVersion});
    for (const auto& [k, c] : canaries_)
      replay.push_back({ChangeType::Added, Kind::Canary, k.first, k.second, c->metadata.resourceVersion});
  }
  for (const auto& c : replay) watcher(c);
}

Result<std::string> MemoryStore::updateStatus(const std::string& nsIn, const std::string& name,
                                              const std::string& resourceVersion, const api::CanaryStatus& status) {
  const std::string& ns = nsOr(nsIn);
  Change change{ChangeType::Updated, Kind::Canary, ns, name, {}};
  {
    std::lock_guard lock(mu_);
    auto it = canaries_.find({ns, name});
    if (it == canaries_.end()) return notFound("canary", ns, name);
    if (failStatusWrites_ > 0) {
      --failStatusWrites_;
      // Another writer "won": the stored version moves on, as it would on the API server.
      auto bumped = std::make_shared<api::Canary>(*it->second);
      bumped->metadata.resourceVersion = nextVersion();
      it->second = std::move(bumped);
      return conflict(ns, name, resourceVersion, it->second->metadata.resourceVersion);
    }
    if (it->second->metadata.resourceVersion != resourceVersion) {
      return conflict(ns, name, resourceVersion, it->second->metadata.resourceVersion);
    }
    auto next = std::make_shared<api::Canary>(*it->second);
    next->status = status;
    next->metadata.resourceVersion = nextVersion();
    change.resourceVersion = next->metadata.resourceVersion;
    it->second = std::move(next);
    ++statusWrites_;
  }
  notify({change});
  return change.resourceVersion;
}

Result<std::string> MemoryStore::editCanary(const std::string& nsIn, const std::string& name,
                                            const std::string& resourceVersion,
                                            const std::function<bool(api::Canary&)>& edit) {
  const std::string& ns = nsOr(nsIn);
  Change change{ChangeType::Updated, Kind::Canary, ns, name, {}};
  {
    std::lock_guard lock(mu_);
    auto it = canaries_.find({ns, name});
    if (it == canaries_.end()) return notFound("canary", ns, name);
    if (it->second->metadata.resourceVersion != resourceVersion) {
      return conflict(ns, name, resourceVersion, it->second->metadata.resourceVersion);
    }
    auto next = std::make_shared<api::Canary>(*it->second);
    if (!edit(*next)) {
      canaries_.erase(it);
      change.type = ChangeType::Deleted;
      ++version_;
    } else {
      next->metadata.resourceVersion = nextVersion();
      change.resourceVersion = next->metadata.resourceVersion;
      it->second = std::move(next);
    }
  }
  notify({change});
  return change.resourceVersion;
}

Result<std::string> MemoryStore::setFinalizers(const std::string& ns, const std::string& name,
                                               const std::string& resourceVersion,
                                               std::vector<std::string> finalizers) {
  return editCanary(ns, name, resourceVersion, [&](api::Canary& c) {
    // The last finalizer of a canary being deleted goes: so does the canary.
    if (finalizers.empty() && !c.metadata.deletionTimestamp.empty()) return false;
    c.metadata.finalizers = std::move(finalizers);
    return true;
  });
}

Result<std::string> MemoryStore::removeAnnotations(const std::string& ns, const std::string& name,
                                                   const std::string& resourceVersion,
                                                   const std::vector<std::string>& keys) {
  return editCanary(ns, name, resourceVersion, [&](api::Canary& c) {
    for (const auto& k : keys) c.metadata.annotations.erase(k);
    return true;
  });
}

void MemoryStore::failStatusWritesForTest(int n) {
  std::lock_guard lock(mu_);
  failStatusWrites_ = n;
}

uint64_t MemoryStore::statusWrites() const {
  std::lock_guard lock(mu_);
  return statusWrites_;
}

}  // namespace aviary::platform
