#pragma once
// The Kubernetes HorizontalPodAutoscaler controller's arithmetic (k8s.io/kubernetes
// pkg/controller/podautoscaler, documented at
// https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/), with no I/O: the
// caller reads the metrics and applies the replica count; this unit decides it.
//
//   per metric   desired = ceil(current replicas × value / target)  ("Algorithm details"),
//                unchanged while |1 − value/target| ≤ tolerance (10 %);
//   over metrics the largest proposal ("Scaling on multiple metrics"); when a metric cannot be
//                read, never a scale down, and nothing at all when none can be read;
//   clamps       current > max → max, current < min → min; current = 0 with min > 0: autoscaling
//                is off ("Implicit maintenance-mode deactivation");
//   behavior     nil: the controller's legacy path (a 300 s downscale stabilization window over
//                the recommendations, scale-up limited to max(2 × current, 4));
//                set: stabilization windows up and down, then the Pods/Percent policies per
//                period with selectPolicy Max/Min/Disabled, missing fields defaulted as the API
//                server does ("Default Behavior").
//
// One HpaAlgorithm per autoscaler (it keeps that autoscaler's recommendation and scale-event
// history, as the controller keys them by HPA). Not thread-safe; the clock is only read.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace aviary::autoscaling {

enum class MetricSourceType { Resource, Pods, Object };
enum class MetricTargetType { Utilization, Value, AverageValue };

// One metric of the HPA with its current reading.
//   Resource/Utilization  value = mean utilization of the ready pods, in percent of their request
//   Resource/AverageValue value = mean usage per ready pod
//   Pods/AverageValue     value = mean of the metric over the ready pods
//   Object/Value          value = the object's metric
//   Object/AverageValue   value = the object's metric (divided by the replica count here)
// `value` empty: the metric could not be read (the controller's "invalid metric").
struct MetricReading {
  std::string name;  // for messages only
  MetricSourceType source = MetricSourceType::Pods;
  MetricTargetType target = MetricTargetType::AverageValue;
  double targetValue = 0;  // > 0 (validated by the decoder)
  std::optional<double> value;
};

enum class PolicyType { Pods, Percent };
struct ScalingPolicy {
  PolicyType type = PolicyType::Pods;
  int32_t value = 0;          // > 0
  int32_t periodSeconds = 0;  // 1..1800
};
enum class SelectPolicy { Max, Min, Disabled };
struct ScalingRules {
  std::optional<int32_t> stabilizationWindowSeconds;  // 0..3600
  std::optional<SelectPolicy> selectPolicy;
  std::vector<ScalingPolicy> policies;  // empty: the default ones
};
struct Behavior {
  std::optional<ScalingRules> scaleUp;
  std::optional<ScalingRules> scaleDown;
};

struct HpaSpec {
  int32_t minReplicas = 1;  // Kubernetes' default when absent
  int32_t maxReplicas = 1;
  std::optional<Behavior> behavior;
};

// The API server's defaulting of a set behavior (GenerateHPAScaleUpRules/ScaleDownRules): scale
// up window 0 s, Max of {4 Pods, 100 Percent} per 15 s; scale down window 300 s, Max of
// {100 Percent} per 15 s. Fields the user set are kept.
ScalingRules defaultScaleUp(const std::optional<ScalingRules>& given);
ScalingRules defaultScaleDown(const std::optional<ScalingRules>& given);

struct Recommendation {
  int32_t replicas = 0;  // what the target should have now
  bool scale = false;    // replicas != current and autoscaling is active
  bool metricsValid = true;
  std::string reason;   // a condition reason as the controller writes it (e.g. "ScaleDownStabilized")
  std::string message;  // for events and logs
  std::string metric;   // the metric whose proposal was the largest ("" when none was computed)
};

class HpaAlgorithm {
 public:
  struct Options {
    double tolerance = 0.1;                            // --horizontal-pod-autoscaler-tolerance
    std::chrono::seconds downscaleStabilization{300};  // --horizontal-pod-autoscaler-downscale-stabilization
  };
  explicit HpaAlgorithm(const Clock& clock) : HpaAlgorithm(clock, Options{}) {}
  HpaAlgorithm(const Clock& clock, Options options) : clock_(clock), options_(options) {}

  // One reconcile of the autoscaler: records the unstabilized recommendation in the history.
  // When the result says scale, call recorded() once the target has that many replicas.
  Recommendation recommend(const HpaSpec& spec, int32_t currentReplicas, const std::vector<MetricReading>& metrics);
  // The target was scaled from `from` to `to` (the scale events the behavior policies count).
  void recorded(const HpaSpec& spec, int32_t from, int32_t to);

  // The per-metric proposal (exposed for tests and `aviary status`): `current` when within the
  // tolerance, else the ceiling of the ratio times the ready replicas.
  static int32_t proposal(const MetricReading& m, int32_t currentReplicas, double tolerance);

 private:
  struct Timestamped {
    int32_t value;  // a recommendation, or a scale event's replica change
    Clock::SteadyPoint at;
  };
  int32_t stabilizeLegacy(int32_t desired);
  int32_t stabilizeWithBehavior(int32_t current, int32_t desired, const ScalingRules& up, const ScalingRules& down);
  int32_t changeInPeriod(const std::vector<Timestamped>& events, int32_t periodSeconds) const;
  int32_t scaleUpLimit(int32_t current, const ScalingRules& rules) const;
  int32_t scaleDownLimit(int32_t current, const ScalingRules& rules) const;
  void record(int32_t desired, std::chrono::seconds keep);

  const Clock& clock_;
  Options options_;
  std::vector<Timestamped> recommendations_;
  std::vector<Timestamped> scaleUpEvents_, scaleDownEvents_;
};

}  // namespace aviary::autoscaling
