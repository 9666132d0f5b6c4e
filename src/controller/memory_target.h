#pragma once
// An in-memory Target (a Deployment-like workload) for tests, `aviary simulate` and benchmarks.
// The revision is any JSON value (its hash is the fingerprint); readiness of primary and canary
// is scripted, and a side that stays not ready for longer than spec.progressDeadlineSeconds
// reports a non-retriable failure, as Flagger's Deployment readiness does (§4.6). Not
// thread-safe: one per canary.
#include <optional>
#include <string>

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
  void setConfigs(ConfigChecksums configs) { configs_ = std::move(configs); }
  // The next call of promote/scaleToZero/scaleFromZero fails with this error until cleared.
  void failForTest(std::optional<Error> error) { failure_ = std::move(error); }

  const std::string& currentRevision() const { return revision_; }
  const std::string& primaryRevision() const { return primaryRevision_; }
  bool primaryCreated() const { return primaryCreated_; }
  bool canaryScaledToZero() const { return canaryScaledDown_; }
  int promotions() const { return promotions_; }

  // Target
  Result<std::string> revision(const api::Canary& canary) override { return revision_; }
  Result<ConfigChecksums> configs(const api::Canary& canary) override { return configs_; }
  Readiness initialize(const api::Canary& canary, bool requirePrimaryReady) override;
  Readiness isPrimaryReady(const api::Canary& canary) override;
  Readiness isCanaryReady(const api::Canary& canary) override;
  Status promote(const api::Canary& canary) override;
  Status scaleToZero(const api::Canary& canary) override;
  Status scaleFromZero(const api::Canary& canary) override;
  Status reconcilePrimaryScaler(const api::Canary&, bool) override { return okStatus(); }
  Status pauseTargetScaler(const api::Canary&) override { return okStatus(); }
  Status resumeTargetScaler(const api::Canary&) override { return okStatus(); }

 private:
  struct SideState {
    bool ready = true;
    std::string message;
    Clock::TimePoint notReadySince{};
  };
  Readiness check(const api::Canary& canary, const SideState& s, Side side) const;
  void restartRollout(SideState& s);

  const Clock* clock_;
  std::string revision_;
  std::string primaryRevision_;
  ConfigChecksums configs_;
  SideState primary_;
  SideState canary_;
  bool primaryCreated_ = false;
  bool canaryScaledDown_ = false;
  int promotions_ = 0;
  std::optional<Error> failure_;
};

}  // namespace aviary::controller
