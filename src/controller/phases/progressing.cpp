// Phase Progressing (and WaitingPromotion): the analysis gate and the three strategies
// (Flagger §4.2 steps 28-31, §4.10, §4.12, §4.13).
#include <fmt/format.h>

#include "controller/tick.h"
#include "controller/weights.h"

namespace aviary::controller::phases {

using api::Phase;
using router::Mirror;
using router::Weights;

namespace {

void promote(Tick& t) {
  t.normal(fmt::format("Copying {}.{} template spec to {}-primary.{}", t.targetName(), t.ns(), t.targetName(), t.ns()));
  auto st = t.rt.target->promote(t.canary);
  if (!st) {
    t.warning(st.error().message);
    return;
  }
  t.writer().setPhase(Phase::Promoting);
}

std::string iterationText(Tick& t, int32_t i, int32_t n) {
  return fmt::format("Advance {}.{} canary iteration {}/{}", t.name(), t.ns(), i, n);
}

}  // namespace

void progressing(Tick& t) {
  const bool mirrored = t.routes.mirror == Mirror::Yes;
  // Deviation from Flagger (§11.21, docs/engine.md): a canary waiting for promotion approval is
  // never "starting" again, so pre-rollout hooks do not re-run with iterations: 1.
  const bool first = t.routes.weights.canary() == 0 && t.read.iterations == 0 && !(t.analysis.mirror && mirrored) &&
                     t.read.phase != Phase::WaitingPromotion;
  if (first) {
    t.normal(fmt::format("Starting canary analysis for {}.{}", t.targetName(), t.ns()));
    if (!t.preRolloutHooks()) {
      t.writer().setFailedChecks(t.read.failedChecks + 1);
      return;
    }
  } else if (!t.rolloutHooks() || !t.metricChecks()) {
    t.writer().setFailedChecks(t.read.failedChecks + 1);
    return;
  }

  // The kubernetes provider routes nothing: A/B and progressive traffic become Blue/Green.
  const api::CanaryAnalysis* analysis = &t.analysis;
  api::CanaryAnalysis coerced;
  if (t.provider == "kubernetes") {
    coerced = t.analysis;
    if (!coerced.match.empty()) {
      t.warning("A/B testing is not supported when using the kubernetes provider");
      coerced.match.clear();
    }
    if (coerced.iterations.value_or(0) < 1) {
      t.warning("Progressive traffic is not supported when using the kubernetes provider");
      t.warning("Setting canaryAnalysis.iterations: 10");
      coerced.iterations = 10;
      t.iterationsOverride = 10;
    }
    analysis = &coerced;
  }

  const int32_t iterations = analysis->iterations.value_or(0);
  if (!analysis->match.empty() && iterations > 0) {
    runABTesting(t);
  } else if (iterations > 0) {
    runBlueGreen(t, *analysis);
  } else {
    runCanary(t, *analysis);
  }
}

void runCanary(Tick& t, const api::CanaryAnalysis& analysis) {
  const int32_t canaryWeight = t.routes.weights.canary();
  if (nextStepWeight(analysis, canaryWeight) <= 0) return;  // no steps: stalls (§11.16)
  if (t.routes.mirror == Mirror::No && !t.confirmTrafficIncreaseHooks()) return;
  if (canaryWeight < maxWeight(analysis)) {
    const auto next = advanceCanary(analysis, t.routes);
    if (!t.setRoutes(next.weights, next.mirror)) return;
    t.writer().setWeight(next.weights.canary());
    t.normal(fmt::format("Advance {}.{} canary weight {}", t.name(), t.ns(), next.weights.canary()));
    return;
  }
  if (!t.confirmPromotionHooks()) return;
  promote(t);
}

void runABTesting(Tick& t) {
  const int32_t n = t.iterationsSpec();
  const int32_t i = t.read.iterations;
  if (i < n) {
    if (!t.setRoutes(Weights::allCanary(), Mirror::No)) return;
    t.writer().setIterations(i + 1);
    t.normal(iterationText(t, i + 1, n));
    return;
  }
  if (!t.confirmPromotionHooks()) return;
  if (i == n) promote(t);
}

void runBlueGreen(Tick& t, const api::CanaryAnalysis& analysis) {
  const int32_t n = analysis.iterations.value_or(0);
  const int32_t i = t.read.iterations;
  const bool routed = t.provider != "kubernetes";
  if (i < n) {
    if (routed && analysis.mirror && t.routes.mirror == Mirror::No) {
      (void)t.setRoutes(Weights::allPrimary(), Mirror::Yes);  // Flagger continues on error
    }
    t.writer().setIterations(i + 1);
    t.normal(iterationText(t, i + 1, n));
    return;
  }
  if (!t.confirmPromotionHooks()) return;
  if (i == n) {
    if (routed) {
      t.normal(analysis.mirror ? "Stop traffic mirroring and route all traffic to canary" : "Routing all traffic to canary");
      if (!t.setRoutes(Weights::allCanary(), Mirror::No)) return;
    }
    t.writer().setIterations(n + 1);
    return;
  }
  promote(t);
}

}  // namespace aviary::controller::phases
