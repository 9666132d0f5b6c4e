// Rollback and failed promotion (Flagger §4.16, §4.17).
#include <fmt/format.h>

#include "common/log.h"
#include "controller/tick.h"

namespace aviary::controller::phases {

using api::Phase;
using router::Mirror;
using router::Weights;

void rollback(Tick& t) {
  const auto& c = t.canary;
  if (t.read.failedChecks >= t.threshold()) {
    t.warning(fmt::format("Rolling back {}.{} failed checks threshold reached {}", t.name(), t.ns(), t.read.failedChecks));
    t.alert(fmt::format("Failed checks threshold reached {}", t.read.failedChecks), false, notifier::Severity::Error);
  }
  if (!t.setRoutes(Weights::allPrimary(), Mirror::No)) return;
  t.warning(fmt::format("Canary failed! Scaling down {}.{}", t.name(), t.ns()), Phase::Failed);
  Status st = okStatus();
  if (c.spec.autoscalerRef) st = t.rt.target->pauseTargetScaler(c);
  if (st) st = t.rt.target->scaleToZero(c);
  if (!st) {
    t.warning(st.error().message);
    return;
  }
  st = t.sync(Phase::Failed, 0, 0, 0);
  if (!st) {
    spdlog::error("{}.{}: {}", t.name(), t.ns(), st.error().message);
    return;
  }
  if (t.deps.recorder) t.deps.recorder->incFailures(c);
  t.postRolloutHooks(Phase::Failed, std::nullopt);
}

void failedPromotion(Tick& t, const std::string& error) {
  t.warning(fmt::format("Promotion of {}.{} failed, primary not ready: {}", t.targetName(), t.ns(), error));
  t.alert("Promotion failed, primary not ready: " + error, false, notifier::Severity::Error);
  // All traffic to the canary, which keeps running (it is not scaled down).
  if (!t.setRoutes(Weights::allCanary(), Mirror::No)) return;
  auto st = t.sync(Phase::Failed, Weights::kTotal, 0, 0);
  if (!st) {
    spdlog::error("{}.{}: {}", t.name(), t.ns(), st.error().message);
    return;
  }
  if (t.deps.recorder) t.deps.recorder->incFailures(t.canary);
  t.postRolloutHooks(Phase::Failed, std::nullopt);
}

}  // namespace aviary::controller::phases
