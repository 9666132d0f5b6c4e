#pragma once
// Canary status writers with Flagger's exact field effects (§1.1.4, §1.1.5): phase, counters,
// lastTransitionTime on every write, the spec hashes and the single `Promoted` condition.
#include <string>

#include "api/canary.h"
#include "common/clock.h"
#include "controller/target.h"

namespace aviary::controller {

class StatusWriter {
 public:
  // `analysisIterations` is the effective analysis.iterations (used by WaitingPromotion).
  StatusWriter(const Clock& clock, const api::Canary& canary, api::CanaryStatus& status, int32_t analysisIterations)
      : clock_(clock), canary_(canary), status_(status), iterations_(analysisIterations) {}

  // SyncStatus: the four counters, lastAppliedSpec = `revision` (and lastPromotedSpec too when
  // `phase` is Initialized), trackedConfigs = `configs`, lastTransitionTime, condition.
  void sync(api::Phase phase, int32_t canaryWeight, int32_t failedChecks, int32_t iterations,
            const std::string& revision, const ConfigChecksums& configs);
  // SetStatusPhase: phase; weight/iterations reset outside Progressing/Waiting/Promoting
  // (WaitingPromotion sets iterations = analysis.iterations - 1); lastPromotedSpec :=
  // lastAppliedSpec for Initialized/Succeeded; condition.
  void setPhase(api::Phase phase);
  void setFailedChecks(int32_t n);
  void setWeight(int32_t n);
  void setIterations(int32_t n);

  // The Promoted condition's status and message for a phase (reason = the phase name).
  static std::pair<std::string, std::string> promotedCondition(api::Phase phase, const std::string& kind);

 private:
  void touch();
  void setCondition(api::Phase phase);

  const Clock& clock_;
  const api::Canary& canary_;
  api::CanaryStatus& status_;
  int32_t iterations_;
};

}  // namespace aviary::controller
