#pragma once
// An in-memory Target (a Deployment-like workload) for tests, `aviary simulate` and benchmarks.
// The revision is any JSON value (its hash is the fingerprint); readiness of primary and canary
// is scripted, and a side that stays not ready for longer than spec.progressDeadlineSeconds
// reports a non-retriable failure, as Flagger's Deployment readiness does (§4.6). Thread-safe,
// so that a test can script it while the runtime ticks the canary.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "controller/target.h"

namespace aviary::controller {

class MemoryTarget final : public Target {
 public:
  enum class Side { Primary, Canary };

  MemoryTarget(const Clock& clock, const nlohmann::json& revision);

  // A new revision of the target (e.g. a new image). The canary's rollout restarts.
  void setRevision(const nlohmann::json& revision);
  // Scripted readiness. `message` replaces the default "waiting for rollout to finish: ..." text.
  void setReady(Side side, bool ready, std::string message = {});
  void setConfigs(ConfigChecksums configs) {
    std::lock_guard lock(mu_);
    configs_ = std::move(configs);
  }
  // Takes over another target's workload state (revision, primary, readiness): what a restarted
  // controller finds of a workload that kept running meanwhile.
  void adoptStateOf(const MemoryTarget& other);
  // The next call of promote/scaleToZero/scaleFromZero fails with this error until cleared.
  void failForTest(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    failure_ = std::move(error);
  }

  std::string currentRevision() const {
    std::lock_guard lock(mu_);
    return revision_;
  }
  std::string primaryRevision() const {
    std::lock_guard lock(mu_);
    return primaryRevision_;
  }
  bool primaryCreated() const {
    std::lock_guard lock(mu_);
    return primaryCreated_;
  }
  bool canaryScaledToZero() const {
    std::lock_guard lock(mu_);
    return canaryScaledDown_;
  }
  int promotions() const {
    std::lock_guard lock(mu_);
    return promotions_;
  }

  // Target
  Result<std::string> revision(const api::Canary& canary) override {
    std::lock_guard lock(mu_);
    return revision_;
  }
  Result<ConfigChecksums> configs(const api::Canary& canary) override {
    std::lock_guard lock(mu_);
    return configs_;
  }
  Readiness initialize(const api::Canary& canary, bool requirePrimaryReady) override;
  Readiness isPrimaryReady(const api::Canary& canary) override;
  Readiness isCanaryReady(const api::Canary& canary) override;
  Status promote(const api::Canary& canary) override;
  Status scaleToZero(const api::Canary& canary) override;
  Status scaleFromZero(const api::Canary& canary) override;
  // No autoscaler here: the scaler hooks only record that the engine called them.
  Status reconcilePrimaryScaler(const api::Canary&, bool init) override {
    return logScaling(init ? "reconcilePrimaryScaler(init)" : "reconcilePrimaryScaler");
  }
  Status pauseTargetScaler(const api::Canary&) override { return logScaling("pauseTargetScaler"); }
  Status resumeTargetScaler(const api::Canary&) override { return logScaling("resumeTargetScaler"); }
  Status revert(const api::Canary& canary) override;
  bool reverted() const {
    std::lock_guard lock(mu_);
    return reverted_;
  }
  // The scaling calls in order: the scaler hooks above, "scaleToZero", "scaleFromZero" (lets
  // engine tests check where the engine pauses and resumes a KEDA ScaledObject, §1.14).
  std::vector<std::string> scalingLog() const {
    std::lock_guard lock(mu_);
    return scalingLog_;
  }

 private:
  struct SideState {
    bool ready = true;
    std::string message;
    Clock::TimePoint notReadySince{};
  };
  Readiness check(const api::Canary& canary, const SideState& s, Side side) const;
  void restartRollout(SideState& s);
  Status logScaling(std::string call) {
    std::lock_guard lock(mu_);
    scalingLog_.push_back(std::move(call));
    return okStatus();
  }

  mutable std::mutex mu_;
  const Clock* clock_;
  std::string revision_;
  std::string primaryRevision_;
  ConfigChecksums configs_;
  SideState primary_;
  SideState canary_;
  bool primaryCreated_ = false;
  bool canaryScaledDown_ = false;
  int promotions_ = 0;
  bool reverted_ = false;
  std::optional<Error> failure_;
  std::vector<std::string> scalingLog_;
};

}  // namespace aviary::controller
