#include "controller/weights.h"

#include <algorithm>

namespace aviary::controller {

using router::Mirror;
using router::Routes;
using router::Weights;

int32_t maxWeight(const api::CanaryAnalysis& analysis) {
  if (!analysis.stepWeights.empty()) return std::min<int32_t>(Weights::kTotal, analysis.stepWeights.back());
  const int32_t mw = analysis.maxWeight.value_or(0);
  return mw > 0 ? mw : Weights::kTotal;
}

int32_t nextStepWeight(const api::CanaryAnalysis& analysis, int32_t current) {
  const int32_t step = analysis.stepWeight.value_or(0);
  const auto& steps = analysis.stepWeights;
  if (step > 0 || steps.empty()) return step;
  const int32_t maxStep = Weights::kTotal - current;
  if (maxStep == 0) return 1;  // any positive value: the caller promotes
  if (current == 0) return std::min(maxStep, steps[0]);
  for (size_t i = 0; i + 1 < steps.size(); ++i) {
    if (steps[i] == current) return std::min(maxStep, steps[i + 1] - current);
  }
  return maxStep;
}

Routes advanceCanary(const api::CanaryAnalysis& analysis, const Routes& current) {
  const int32_t canary = current.weights.canary();
  const int32_t step = nextStepWeight(analysis, canary);
  if (analysis.mirror && canary == 0) {
    if (current.mirror == Mirror::No) return Routes{Weights::allPrimary(), Mirror::Yes};
    return Routes{Weights::withCanary(step), Mirror::No};
  }
  // withCanary clamps: primary floors at 0 and canary caps at 100, as in Flagger.
  return Routes{Weights::withCanary(canary + step), current.mirror};
}

Weights promotionStep(Weights current, int32_t stepWeightPromotion) {
  const int32_t primary = std::min(Weights::kTotal, current.primary() + stepWeightPromotion);
  return Weights::withCanary(Weights::kTotal - primary);
}

}  // namespace aviary::controller
