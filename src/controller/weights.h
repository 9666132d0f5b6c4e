#pragma once
// Weight arithmetic of the canary strategy (Flagger §4.11, §4.12, §4.14). Pure functions.
#include <cstdint>

#include "api/canary.h"
#include "router/router.h"

namespace aviary::controller {

// Effective max weight: min(100, last stepWeights element) when stepWeights is set, else
// maxWeight when > 0, else 100.
int32_t maxWeight(const api::CanaryAnalysis& analysis);

// The next increment from canary weight `current`: stepWeight when set (> 0) or when stepWeights
// is empty (may be 0: the canary never advances); otherwise the distance to the next stepWeights
// entry, capped by 100 - current; 1 when current is already 100 ("promote"); 100 - current when
// current is not an entry (routes edited by hand).
int32_t nextStepWeight(const api::CanaryAnalysis& analysis, int32_t current);

// The routes after one canary-strategy advance from `current` (precondition: current canary
// weight < maxWeight). With analysis.mirror and canary weight 0 the first advance only turns on
// mirroring (100/0 mirrored) and the next one shifts the first step with mirroring off.
// The weight may overshoot maxWeight (stepWeight 20, maxWeight 50: 20, 40, 60).
router::Routes advanceCanary(const api::CanaryAnalysis& analysis, const router::Routes& current);

// One promotion step (phase Promoting with stepWeightPromotion > 0): primary += step (cap 100).
router::Weights promotionStep(router::Weights current, int32_t stepWeightPromotion);

}  // namespace aviary::controller
