// Phases Promoting and Finalising (Flagger §4.14, §4.2 step 25).
#include <fmt/format.h>

#include "controller/tick.h"
#include "controller/weights.h"

namespace aviary::controller::phases {

using api::Phase;
using router::Mirror;
using router::Weights;

void promoting(Tick& t) {
  const auto& c = t.canary;
  if (c.spec.autoscalerRef) {
    auto st = t.rt.target->reconcilePrimaryScaler(c, false);
    if (!st) {
      t.warning(st.error().message);
      return;
    }
  }
  if (t.provider == "kubernetes") {
    t.writer().setPhase(Phase::Finalising);
    return;
  }
  const int32_t step = t.analysis.stepWeightPromotion.value_or(0);
  if (step <= 0) {
    t.normal("Routing all traffic to primary");
    if (!t.setRoutes(Weights::allPrimary(), Mirror::No)) return;
    t.writer().setPhase(Phase::Finalising);
    return;
  }
  if (t.routes.weights.canary() <= 0) return;  // Flagger stalls here (§11.16)
  const Weights next = promotionStep(t.routes.weights, step);
  if (!t.setRoutes(next, Mirror::No)) return;
  t.normal(fmt::format("Advance {}.{} primary weight {}", t.name(), t.ns(), next.primary()));
  if (next.primary() == Weights::kTotal) {
    t.writer().setPhase(Phase::Finalising);
  } else {
    t.writer().setWeight(next.canary());
  }
}

void finalising(Tick& t) {
  const auto& c = t.canary;
  Status st = okStatus();
  if (c.spec.autoscalerRef) st = t.rt.target->pauseTargetScaler(c);
  if (st) st = t.rt.target->scaleToZero(c);
  if (!st) {
    t.warning(st.error().message);
    return;
  }
  t.writer().setPhase(Phase::Succeeded);
  if (t.deps.recorder) t.deps.recorder->incSuccesses(c, false);
  t.postRolloutHooks(Phase::Succeeded, Phase::Succeeded);
  t.normal(fmt::format("Promotion completed! Scaling down {}.{}", t.targetName(), t.ns()), Phase::Succeeded);
  t.alert("Canary analysis completed successfully, promotion finished.", false, notifier::Severity::Info);
}

}  // namespace aviary::controller::phases
