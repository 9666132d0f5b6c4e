// The skipAnalysis path (Flagger §4.7): promote at once once the canary is ready.
#include <fmt/format.h>

#include "controller/tick.h"

namespace aviary::controller::phases {

using api::Phase;

bool skipAnalysis(Tick& t) {
  if (!t.skip) return false;
  const auto& c = t.canary;
  if (!t.setRoutes(router::Weights::allPrimary(), router::Mirror::No)) return true;
  t.normal(fmt::format("Copying {}.{} template spec to {}-primary.{}", t.targetName(), t.ns(), t.targetName(), t.ns()));
  Status st = t.rt.target->promote(c);
  if (st && c.spec.autoscalerRef) {
    st = t.rt.target->reconcilePrimaryScaler(c, false);
    if (st) st = t.rt.target->pauseTargetScaler(c);
  }
  if (st) st = t.rt.target->scaleToZero(c);
  if (!st) {
    t.warning(st.error().message);
    return true;
  }
  t.writer().setPhase(Phase::Succeeded);
  if (t.deps.recorder) t.deps.recorder->incSuccesses(c, true);
  t.postRolloutHooks(Phase::Succeeded, Phase::Succeeded);
  t.normal(fmt::format("Promotion completed! Canary analysis was skipped for {}.{}", t.targetName(), t.ns()),
           Phase::Succeeded);
  t.alert("Canary analysis was skipped, promotion finished.", false, notifier::Severity::Info);
  return true;
}

}  // namespace aviary::controller::phases
