#include "controller/status.h"

#include <algorithm>

#include "controller/gofmt.h"

namespace aviary::controller {

using api::Phase;

std::pair<std::string, std::string> StatusWriter::promotedCondition(Phase phase, const std::string& kind) {
  switch (phase) {
    case Phase::Initialized: return {"True", kind + " initialization completed."};
    case Phase::Waiting:
    case Phase::WaitingPromotion: return {"Unknown", "Waiting for approval."};
    case Phase::Progressing: return {"Unknown", "New revision detected, progressing canary analysis."};
    case Phase::Promoting: return {"Unknown", "Canary analysis completed, starting primary rolling update."};
    case Phase::Finalising: return {"Unknown", "Canary analysis completed, routing all traffic to primary."};
    case Phase::Succeeded: return {"True", "Canary analysis completed successfully, promotion finished."};
    case Phase::Failed: return {"False", "Canary analysis failed, " + kind + " scaled to zero."};
    default: return {"Unknown", "New " + kind + " detected, starting initialization."};
  }
}

void StatusWriter::touch() { status_.lastTransitionTime = rfc3339(clock_.now()); }

void StatusWriter::setCondition(Phase phase) {
  auto [st, message] = promotedCondition(phase, canary_.spec.targetRef.kind);
  const std::string reason = api::toString(phase);
  // Flagger's one condition, "Promoted", first; others (Aviary's "Paused") are kept after it.
  auto& cs = status_.conditions;
  auto promoted = std::find_if(cs.begin(), cs.end(), [](const api::Condition& c) { return c.type == "Promoted"; });
  if (promoted != cs.end()) {
    // Same status and reason: leave the condition untouched (lastUpdateTime not bumped).
    if (promoted->status == st && promoted->reason == reason) return;
  }
  api::Condition c;
  c.status = st;
  c.reason = reason;
  c.message = std::move(message);
  c.lastUpdateTime = rfc3339(clock_.now());
  c.lastTransitionTime = c.lastUpdateTime;
  if (promoted != cs.end() && promoted->status == c.status) c.lastTransitionTime = promoted->lastTransitionTime;
  if (promoted != cs.end()) cs.erase(promoted);
  cs.insert(cs.begin(), std::move(c));
}

void StatusWriter::sync(Phase phase, int32_t canaryWeight, int32_t failedChecks, int32_t iterations,
                        const std::string& revision, const ConfigChecksums& configs) {
  status_.phase = phase;
  status_.canaryWeight = canaryWeight;
  status_.failedChecks = failedChecks;
  status_.iterations = iterations;
  status_.lastAppliedSpec = revision;
  if (phase == Phase::Initialized) status_.lastPromotedSpec = revision;
  status_.trackedConfigs = configs;
  touch();
  setCondition(phase);
}

void StatusWriter::setPhase(Phase phase) {
  status_.phase = phase;
  touch();
  if (phase != Phase::Progressing && phase != Phase::Waiting && phase != Phase::Promoting) {
    status_.canaryWeight = 0;
    status_.iterations = 0;
    if (phase == Phase::WaitingPromotion) status_.iterations = iterations_ - 1;
  }
  if (phase == Phase::Initialized || phase == Phase::Succeeded) status_.lastPromotedSpec = status_.lastAppliedSpec;
  setCondition(phase);
}

void StatusWriter::setFailedChecks(int32_t n) {
  status_.failedChecks = n;
  touch();
}

void StatusWriter::setWeight(int32_t n) {
  status_.canaryWeight = n;
  touch();
}

void StatusWriter::setIterations(int32_t n) {
  status_.iterations = n;
  touch();
}

}  // namespace aviary::controller
