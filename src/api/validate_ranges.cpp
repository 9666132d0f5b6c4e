// The numbers of spec.analysis, its webhooks and session affinity, checked against one principle
// (docs/validate.md, "Which side of the line"): Flagger's CRD gives none of them bounds, so a value
// that Flagger runs without error is at most a warning (an error under --strict), saying what
// Flagger and Aviary do with it; only a value that makes Flagger fail at run time is an error,
// saying what Flagger would do instead.
#include <string>

#include "api/validate_util.h"

namespace aviary::api::detail {
namespace {

std::string n(int64_t v) {
  return std::to_string(v);
}

// stepWeight and each stepWeights entry (Flagger scheduler.go nextStepWeight / runCanary).
void checkStep(int32_t w, const std::string& path, bool first, Findings& f) {
  if (w < 0) {
    f.error(path, "expected a weight from 0 to 100, found " + n(w) +
                      ": a negative step gives negative route weights, which Flagger's routers fail to apply at "
                      "every tick");
  } else if (w == 0 && first) {
    f.warn(path, "expected a weight above 0, found 0: the canary weight never advances (Flagger and Aviary run "
                 "the analysis at weight 0 until the canary is edited)");
  } else if (w > 100) {
    f.warn(path, "expected a weight from 1 to 100, found " + n(w) +
                     ": Flagger and Aviary cap the canary weight at 100, so this step goes to 100 and the canary "
                     "is then promoted");
  }
}

}  // namespace

void checkRanges(const CanaryAnalysis& a, const std::string& base, Findings& f) {
  auto p = [&](std::string_view field) { return base + "." + std::string(field); };
  if (a.thresholdRaw && *a.thresholdRaw <= 0)
    f.warn(p("threshold"), "expected at least 1, found " + n(*a.thresholdRaw) + ": Flagger and Aviary use 1");
  if (a.iterations && *a.iterations < 0)
    f.warn(p("iterations"), "expected 0 or more, found " + n(*a.iterations) +
                                ": below 1 it does not select Blue/Green or A/B testing (Flagger and Aviary run the "
                                "canary strategy)");
  if (a.maxWeight && *a.maxWeight < 0)
    f.warn(p("maxWeight"), "expected 0 to 100, found " + n(*a.maxWeight) + ": 0 or less means 100");
  if (a.maxWeight && *a.maxWeight > 100 && a.stepWeights.empty())
    f.warn(p("maxWeight"), "expected 0 to 100, found " + n(*a.maxWeight) +
                               ": the canary weight stops at 100 and never reaches it, so Flagger and Aviary keep "
                               "advancing at 100 and never promote");
  if (a.stepWeight) checkStep(*a.stepWeight, p("stepWeight"), true, f);
  for (size_t i = 0; i < a.stepWeights.size(); ++i) {
    checkStep(a.stepWeights[i], p("stepWeights[" + n(static_cast<int64_t>(i)) + "]"), i == 0, f);
    if (i > 0 && a.stepWeights[i] <= a.stepWeights[i - 1] && a.stepWeights[i] >= 0 && a.stepWeights[i - 1] < 100)
      f.warn(p("stepWeights[" + n(static_cast<int64_t>(i)) + "]"),
             "steps should increase, expected more than " + n(a.stepWeights[i - 1]) + ", found " +
                 n(a.stepWeights[i]) + ": Flagger does not sort them; it steps through them as written (the weight may go down) "
                 "and promotes once the weight reaches the last entry");
  }
  if (a.stepWeightPromotion && *a.stepWeightPromotion < 0)
    f.error(p("stepWeightPromotion"), "expected 0 to 100, found " + n(*a.stepWeightPromotion) +
                                          ": promotion would lower the primary's weight below 0, which Flagger's "
                                          "routers fail to apply (0 promotes all at once)");
  if (a.stepWeightPromotion && *a.stepWeightPromotion > 100)
    f.warn(p("stepWeightPromotion"), "expected 0 to 100, found " + n(*a.stepWeightPromotion) +
                                         ": the primary's weight is capped at 100, so promotion takes one step");
  for (const auto* t : {&a.primaryReadyThreshold, &a.canaryReadyThreshold}) {
    const std::string path = p(t == &a.primaryReadyThreshold ? "primaryReadyThreshold" : "canaryReadyThreshold");
    // Flagger's readiness check: ready when available >= replicas * threshold / 100.
    if (*t && **t < 0)
      f.warn(path, "expected 0 to 100, found " + n(**t) + ": the workload counts as ready whatever its pods");
    else if (*t && **t > 100)
      f.error(path, "expected 0 to 100, found " + n(**t) +
                        ": the workload can never count as ready, so Flagger fails the canary at its progress "
                        "deadline");
  }
  if (a.sessionAffinity && a.sessionAffinity->maxAge < 0)
    f.warn(p("sessionAffinity.maxAge"), "expected 0 or more seconds, found " + n(a.sessionAffinity->maxAge) +
                                            ": browsers drop a cookie with a negative Max-Age at once, so sessions "
                                            "do not stick");
  for (size_t i = 0; i < a.webhooks.size(); ++i) {
    const int32_t r = a.webhooks[i].retries;
    const std::string path = p("webhooks[" + n(static_cast<int64_t>(i)) + "].retries");
    if (r < 0)
      f.warn(path, "expected 0 or more, found " + n(r) + ": Flagger and Aviary make one attempt (no retries)");
    else if (r > 100)
      f.warn(path, "expected at most 100, found " + n(r) +
                       ": a failing hook is retried that often, up to 30 s apart, and holds the canary's tick");
  }
}

}  // namespace aviary::api::detail
