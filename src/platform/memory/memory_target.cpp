#include "platform/memory/memory_target.h"

#include <fmt/format.h>

#include "controller/spec_hash.h"

namespace aviary::controller {

MemoryTarget::MemoryTarget(const Clock& clock, const nlohmann::json& revision)
    : clock_(&clock), revision_(hashJson(revision)) {}

void MemoryTarget::restartRollout(SideState& s) {
  // A rollout that starts while the workload is not ready restarts the progress deadline,
  // like the Deployment's Available condition does.
  if (!s.ready) s.notReadySince = clock_->now();
}

void MemoryTarget::adoptStateOf(const MemoryTarget& other) {
  std::scoped_lock lock(mu_, other.mu_);
  revision_ = other.revision_;
  primaryRevision_ = other.primaryRevision_;
  configs_ = other.configs_;
  primary_ = other.primary_;
  canary_ = other.canary_;
  primaryCreated_ = other.primaryCreated_;
  canaryScaledDown_ = other.canaryScaledDown_;
}

void MemoryTarget::setRevision(const nlohmann::json& revision) {
  std::lock_guard lock(mu_);
  revision_ = hashJson(revision);
  restartRollout(canary_);
}

void MemoryTarget::setReady(Side side, bool ready, std::string message) {
  std::lock_guard lock(mu_);
  SideState& s = side == Side::Primary ? primary_ : canary_;
  if (!ready && s.ready) s.notReadySince = clock_->now();
  s.ready = ready;
  s.message = std::move(message);
}

Readiness MemoryTarget::check(const api::Canary& canary, const SideState& s, Side side) const {
  if (s.ready) return Readiness::ready();
  const auto& a = canary.spec.analysis;
  int32_t threshold = 100;
  if (a) threshold = (side == Side::Primary ? a->primaryReadyThreshold : a->canaryReadyThreshold).value_or(100);
  const std::string detail =
      s.message.empty()
          ? fmt::format("waiting for rollout to finish: 0 of 1 (readyThreshold {}%) updated replicas are available", threshold)
          : s.message;
  const auto& target = canary.spec.targetRef.name;
  const auto& ns = canary.metadata.namespace_;
  std::string text = side == Side::Primary ? fmt::format("{}-primary.{} not ready: {}", target, ns, detail)
                                           : fmt::format("canary deployment {}.{} not ready: {}", target, ns, detail);
  const auto deadline = s.notReadySince + std::chrono::seconds(canary.spec.progressDeadlineSeconds);
  if (deadline < clock_->now()) return Readiness::failed(std::move(text));
  return Readiness::waiting(std::move(text));
}

Readiness MemoryTarget::initialize(const api::Canary& canary, bool requirePrimaryReady) {
  std::lock_guard lock(mu_);
  if (!primaryCreated_) {
    primaryCreated_ = true;
    primaryRevision_ = revision_;
  }
  return requirePrimaryReady ? check(canary, primary_, Side::Primary) : Readiness::ready();
}

Readiness MemoryTarget::isPrimaryReady(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  return check(canary, primary_, Side::Primary);
}
Readiness MemoryTarget::isCanaryReady(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  return check(canary, canary_, Side::Canary);
}

Status MemoryTarget::promote(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  if (failure_) return *failure_;
  primaryRevision_ = revision_;
  ++promotions_;
  restartRollout(primary_);
  return okStatus();
}

Status MemoryTarget::scaleToZero(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  if (failure_) return *failure_;
  canaryScaledDown_ = true;
  scalingLog_.push_back("scaleToZero");
  return okStatus();
}

Status MemoryTarget::scaleFromZero(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  if (failure_) return *failure_;
  canaryScaledDown_ = false;
  restartRollout(canary_);
  scalingLog_.push_back("scaleFromZero");
  return okStatus();
}

Status MemoryTarget::revert(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  if (failure_) return *failure_;
  canaryScaledDown_ = false;
  reverted_ = true;
  return okStatus();
}

}  // namespace aviary::controller
