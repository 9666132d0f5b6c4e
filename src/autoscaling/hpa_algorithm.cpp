// The HPA controller's arithmetic, following k8s.io/kubernetes pkg/controller/podautoscaler
// (horizontal.go: reconcileAutoscaler, normalizeDesiredReplicas[WithBehaviors],
// stabilizeRecommendation[WithBehaviors], calculateScale{Up,Down}Limit…; replica_calculator.go:
// the per-metric ratios). Rewritten from the documented behaviour, not copied.
#include "autoscaling/hpa_algorithm.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>

namespace aviary::autoscaling {
namespace {

// The controller's legacy scale-up cap without a behavior: max(2 × current, 4).
int32_t legacyScaleUpLimit(int32_t current) {
  return std::max<int32_t>(2 * current, 4);
}

}  // namespace

ScalingRules defaultScaleUp(const std::optional<ScalingRules>& given) {
  ScalingRules r = given.value_or(ScalingRules{});
  if (!r.stabilizationWindowSeconds) r.stabilizationWindowSeconds = 0;
  if (!r.selectPolicy) r.selectPolicy = SelectPolicy::Max;
  if (r.policies.empty()) r.policies = {{PolicyType::Pods, 4, 15}, {PolicyType::Percent, 100, 15}};
  return r;
}

ScalingRules defaultScaleDown(const std::optional<ScalingRules>& given) {
  ScalingRules r = given.value_or(ScalingRules{});
  if (!r.stabilizationWindowSeconds) r.stabilizationWindowSeconds = 300;
  if (!r.selectPolicy) r.selectPolicy = SelectPolicy::Max;
  if (r.policies.empty()) r.policies = {{PolicyType::Percent, 100, 15}};
  return r;
}

int32_t HpaAlgorithm::proposal(const MetricReading& m, int32_t current, double tolerance) {
  // Object/AverageValue compares the value per replica with the target but proposes
  // ceil(value / target) (GetObjectPerPodMetricReplicas); all others scale the ready replicas by
  // the ratio (GetResourceReplicas, GetMetricReplicas, GetObjectMetricReplicas).
  const double v = *m.value;
  if (m.source == MetricSourceType::Object && m.target == MetricTargetType::AverageValue) {
    const double ratio = v / (m.targetValue * current);
    if (std::abs(1.0 - ratio) <= tolerance) return current;
    return static_cast<int32_t>(std::ceil(v / m.targetValue));
  }
  const double ratio = v / m.targetValue;
  if (std::abs(1.0 - ratio) <= tolerance) return current;
  return static_cast<int32_t>(std::ceil(ratio * current));
}

Recommendation HpaAlgorithm::recommend(const HpaSpec& spec, int32_t current,
                                       const std::vector<MetricReading>& metrics) {
  Recommendation r;
  if (current == 0 && spec.minReplicas != 0) {
    r.replicas = 0;
    r.reason = "ScalingDisabled";
    r.message = "scaling is disabled since the replica count of the target is zero";
    return r;
  }
  if (current > spec.maxReplicas) {
    r.replicas = spec.maxReplicas;
    r.reason = "TooManyReplicas";
    r.message = fmt::format("the replica count {} is above the maximum {}", current, spec.maxReplicas);
  } else if (current < spec.minReplicas) {
    r.replicas = spec.minReplicas;
    r.reason = "TooFewReplicas";
    r.message = fmt::format("the replica count {} is below the minimum {}", current, spec.minReplicas);
  } else {
    int32_t desired = 0;
    size_t invalid = 0;
    std::string which;
    for (const auto& m : metrics) {
      if (!m.value) {
        ++invalid;
        continue;
      }
      const int32_t p = proposal(m, current, options_.tolerance);
      if (p > desired || which.empty()) {
        desired = std::max(desired, p);
        which = m.name;
      }
    }
    // computeReplicasForMetrics: all metrics invalid, or some invalid and the rest would scale
    // down — keep the current count (the controller returns an error and does not rescale).
    if (invalid == metrics.size() || (invalid > 0 && desired < current)) {
      r.replicas = current;
      r.metricsValid = false;
      r.reason = "FailedGetMetrics";
      r.message = fmt::format("{} of {} metrics could not be read", invalid, metrics.size());
      return r;
    }
    r.metric = which;
    r.reason = "ValidMetricFound";
    r.message = fmt::format("the HPA was able to compute the replica count from {}: {}", which, desired);
    if (!spec.behavior) {
      const int32_t stabilized = stabilizeLegacy(desired);
      const int32_t upper = std::min(spec.maxReplicas, legacyScaleUpLimit(current));
      r.replicas = std::clamp(stabilized, spec.minReplicas, std::max(spec.minReplicas, upper));
      if (stabilized != desired) r.reason = "ScaleDownStabilized";
      if (stabilized > upper) r.reason = stabilized > spec.maxReplicas ? "TooManyReplicas" : "ScaleUpLimit";
      if (stabilized < spec.minReplicas) r.reason = "TooFewReplicas";
    } else {
      const ScalingRules up = defaultScaleUp(spec.behavior->scaleUp);
      ScalingRules down = spec.behavior->scaleDown.value_or(ScalingRules{});
      if (!down.stabilizationWindowSeconds)  // maybeInitScaleDownStabilizationWindow
        down.stabilizationWindowSeconds = static_cast<int32_t>(options_.downscaleStabilization.count());
      down = defaultScaleDown(down);
      const int32_t stabilized = stabilizeWithBehavior(current, desired, up, down);
      if (stabilized != desired) r.reason = stabilized < desired ? "ScaleUpStabilized" : "ScaleDownStabilized";
      int32_t out = stabilized;
      if (stabilized > current) {
        const int32_t allowed = std::min(spec.maxReplicas, std::max(current, scaleUpLimit(current, up)));
        if (stabilized > allowed) {
          out = allowed;
          r.reason = allowed == spec.maxReplicas ? "TooManyReplicas" : "ScaleUpLimit";
        }
      } else if (stabilized < current) {
        const int32_t allowed = std::max(spec.minReplicas, std::min(current, scaleDownLimit(current, down)));
        if (stabilized < allowed) {
          out = allowed;
          r.reason = allowed == spec.minReplicas ? "TooFewReplicas" : "ScaleDownLimit";
        }
      }
      r.replicas = out;
    }
  }
  r.scale = r.replicas != current;
  return r;
}

int32_t HpaAlgorithm::stabilizeLegacy(int32_t desired) {
  // stabilizeRecommendation: the largest recommendation of the window, this one included.
  const auto cutoff = clock_.monotonic() - options_.downscaleStabilization;
  int32_t out = desired;
  for (const auto& rec : recommendations_)
    if (rec.at > cutoff) out = std::max(out, rec.value);
  record(desired, options_.downscaleStabilization);
  return out;
}

int32_t HpaAlgorithm::stabilizeWithBehavior(int32_t current, int32_t desired, const ScalingRules& up,
                                            const ScalingRules& down) {
  // stabilizeRecommendationWithBehaviors: a scale up goes no higher than the smallest
  // recommendation of the up window, a scale down no lower than the largest of the down window.
  const auto now = clock_.monotonic();
  const auto upWindow = std::chrono::seconds(*up.stabilizationWindowSeconds);
  const auto downWindow = std::chrono::seconds(*down.stabilizationWindowSeconds);
  int32_t upRec = desired, downRec = desired;
  for (const auto& rec : recommendations_) {
    if (rec.at > now - upWindow) upRec = std::min(upRec, rec.value);
    if (rec.at > now - downWindow) downRec = std::max(downRec, rec.value);
  }
  int32_t out = current;
  if (out < upRec) out = upRec;
  if (out > downRec) out = downRec;
  record(desired, std::max(upWindow, downWindow));
  return out;
}

void HpaAlgorithm::record(int32_t desired, std::chrono::seconds keep) {
  // The controller reuses the slot of a sample older than every window; dropping those samples
  // and appending gives the same answers.
  const auto now = clock_.monotonic();
  std::erase_if(recommendations_, [&](const Timestamped& t) { return !(t.at > now - keep); });
  recommendations_.push_back({desired, now});
}

int32_t HpaAlgorithm::changeInPeriod(const std::vector<Timestamped>& events, int32_t periodSeconds) const {
  const auto cutoff = clock_.monotonic() - std::chrono::seconds(periodSeconds);
  int32_t sum = 0;
  for (const auto& e : events)
    if (e.at > cutoff) sum += e.value;
  return sum;
}

int32_t HpaAlgorithm::scaleUpLimit(int32_t current, const ScalingRules& rules) const {
  if (*rules.selectPolicy == SelectPolicy::Disabled) return current;
  const bool pickMin = *rules.selectPolicy == SelectPolicy::Min;
  int32_t result = pickMin ? INT32_MAX : INT32_MIN;
  for (const auto& p : rules.policies) {
    const int32_t start =
        current - changeInPeriod(scaleUpEvents_, p.periodSeconds) + changeInPeriod(scaleDownEvents_, p.periodSeconds);
    // Rounded up so that a small percentage still adds a replica.
    const int32_t proposed =
        p.type == PolicyType::Pods ? start + p.value : static_cast<int32_t>(std::ceil(start * (1 + p.value / 100.0)));
    result = pickMin ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

int32_t HpaAlgorithm::scaleDownLimit(int32_t current, const ScalingRules& rules) const {
  if (*rules.selectPolicy == SelectPolicy::Disabled) return current;
  const bool pickMin = *rules.selectPolicy == SelectPolicy::Min;  // the smallest change: the largest count
  int32_t result = pickMin ? INT32_MIN : INT32_MAX;
  for (const auto& p : rules.policies) {
    const int32_t start =
        current - changeInPeriod(scaleUpEvents_, p.periodSeconds) + changeInPeriod(scaleDownEvents_, p.periodSeconds);
    const int32_t proposed =
        p.type == PolicyType::Pods ? start - p.value : static_cast<int32_t>(start * (1 - p.value / 100.0));
    result = pickMin ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

void HpaAlgorithm::recorded(const HpaSpec& spec, int32_t from, int32_t to) {
  // storeScaleEvent: only with a behavior (the legacy path keeps no events); events older than
  // the longest policy period no longer count and are dropped.
  if (!spec.behavior || from == to) return;
  const ScalingRules up = defaultScaleUp(spec.behavior->scaleUp);
  const ScalingRules down = defaultScaleDown(spec.behavior->scaleDown);
  int32_t longest = 0;
  for (const auto* rules : {&up, &down})
    for (const auto& p : rules->policies) longest = std::max(longest, p.periodSeconds);
  const auto now = clock_.monotonic();
  const auto cutoff = now - std::chrono::seconds(longest);
  for (auto* events : {&scaleUpEvents_, &scaleDownEvents_})
    std::erase_if(*events, [&](const Timestamped& t) { return !(t.at > cutoff); });
  if (to > from) {
    scaleUpEvents_.push_back({to - from, now});
  } else {
    scaleDownEvents_.push_back({from - to, now});
  }
}

}  // namespace aviary::autoscaling
