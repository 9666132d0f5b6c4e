// The HPA arithmetic against the Kubernetes documentation of the HorizontalPodAutoscaler
// (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/, "DOC §…" below)
// and, where the page is silent, the controller's code (k8s.io/kubernetes
// pkg/controller/podautoscaler/horizontal.go, "CODE …").
#include "autoscaling/hpa_algorithm.h"

#include <gtest/gtest.h>

namespace aviary::autoscaling {
namespace {

using std::chrono::seconds;

MetricReading pods(double value, double target, std::string name = "requests") {
  return {std::move(name), MetricSourceType::Pods, MetricTargetType::AverageValue, target, value};
}
MetricReading missing(std::string name = "missing") {
  return {std::move(name), MetricSourceType::Pods, MetricTargetType::AverageValue, 10, std::nullopt};
}

// One reconcile from a fresh history.
struct OneShot {
  const char* doc;  // the section of the documentation (or code) the case checks
  HpaSpec spec;
  int32_t current;
  std::vector<MetricReading> metrics;
  int32_t want;
};

TEST(HpaAlgorithm, OneReconcileTable) {
  const HpaSpec wide{1, 100, std::nullopt};
  Behavior empty;  // set but empty: every rule defaulted (DOC §Default Behavior)
  // With a behavior, so that the legacy scale-up cap (max(2 × current, 4)) stays out of the way.
  const HpaSpec wideB{1, 100, empty};
  const std::vector<OneShot> cases = {
      {"DOC §Algorithm details: 200m against 100m doubles the replicas", wide, 2, {pods(200, 100)}, 4},
      {"DOC §Algorithm details: 50m against 100m halves them", wide, 4, {pods(50, 100)}, 2},
      {"DOC §Algorithm details: the ratio is rounded up (ceil)", wide, 3, {pods(150, 100)}, 5},
      {"DOC §Algorithm details: within the 0.1 tolerance nothing changes (up)", wide, 3, {pods(109, 100)}, 3},
      {"DOC §Algorithm details: within the 0.1 tolerance nothing changes (down)", wide, 3, {pods(91, 100)}, 3},
      {"DOC §Algorithm details: just outside the tolerance scales", wide, 3, {pods(111, 100)}, 4},
      {"DOC §Algorithm details: Utilization, percent of the request",
       wideB,
       2,
       {{"cpu", MetricSourceType::Resource, MetricTargetType::Utilization, 50, 150}},
       6},
      {"DOC §Algorithm details: an Object Value scales the replicas by the ratio",
       wideB,
       2,
       {{"rps", MetricSourceType::Object, MetricTargetType::Value, 10, 30}},
       6},
      {"CODE GetObjectPerPodMetricReplicas: Object AverageValue proposes ceil(value / target)",
       wide,
       2,
       {{"rps", MetricSourceType::Object, MetricTargetType::AverageValue, 10, 35}},
       4},
      {"CODE GetObjectPerPodMetricReplicas: the tolerance is on value per replica",
       wide,
       4,
       {{"rps", MetricSourceType::Object, MetricTargetType::AverageValue, 10, 43}},
       4},
      {"DOC §Scaling on multiple metrics: the highest proposal wins",
       wideB,
       2,
       {pods(10, 10), pods(30, 10), pods(5, 10)},
       6},
      {"DOC §Scaling on multiple metrics: an unreadable metric never lets the others scale down",
       wide,
       4,
       {pods(5, 10), missing()},
       4},
      {"DOC §Scaling on multiple metrics: ... but still lets them scale up", wide, 2, {pods(20, 10), missing()}, 4},
      {"CODE computeReplicasForMetrics: no readable metric, no change", wide, 3, {missing(), missing()}, 3},
      {"DOC §Algorithm details: the maximum clamps a proposal", HpaSpec{1, 5, std::nullopt}, 3, {pods(100, 10)}, 5},
      {"DOC §Algorithm details: the minimum clamps a proposal", HpaSpec{2, 5, std::nullopt}, 3, {pods(1, 10)}, 2},
      {"CODE reconcileAutoscaler: above the maximum goes to the maximum whatever the metrics",
       HpaSpec{1, 5, std::nullopt},
       8,
       {pods(100, 10)},
       5},
      {"CODE reconcileAutoscaler: below the minimum goes to the minimum whatever the metrics",
       HpaSpec{3, 5, std::nullopt},
       1,
       {pods(0, 10)},
       3},
      {"DOC §Implicit maintenance-mode deactivation: 0 replicas and minReplicas > 0: no scaling",
       HpaSpec{1, 5, std::nullopt},
       0,
       {pods(100, 10)},
       0},
      {"CODE convertDesiredReplicasWithRules: without behavior, scale up is capped at max(2×current, 4)",
       HpaSpec{1, 20, std::nullopt},
       1,
       {pods(100, 10)},
       4},
      {"CODE convertDesiredReplicasWithRules: ... and at 2×current above 2",
       HpaSpec{1, 20, std::nullopt},
       3,
       {pods(100, 10)},
       6},
      {"DOC §Default Behavior: scale up by max(4 pods, 100 %) per 15 s", HpaSpec{1, 50, empty}, 1, {pods(100, 10)}, 5},
      {"DOC §Default Behavior: ... 100 % when that is more", HpaSpec{1, 50, empty}, 10, {pods(100, 10)}, 20},
      {"DOC §Default Behavior: scale down by up to 100 % (no history in the window yet)",
       HpaSpec{1, 50, empty},
       10,
       {pods(1, 10)},
       1},
  };
  for (const auto& c : cases) {
    ManualClock clock;
    HpaAlgorithm hpa(clock);
    EXPECT_EQ(hpa.recommend(c.spec, c.current, c.metrics).replicas, c.want) << c.doc;
  }
}

// A sequence of reconciles on one autoscaler: at each step the clock moves by `after`, the
// metric reads `value` (per pod, target 10) and the target has the replicas the previous step
// decided (the decision applied and recorded).
struct Step {
  seconds after;
  double value;
  int32_t want;
};
struct Sequence {
  const char* doc;
  HpaSpec spec;
  int32_t start;
  std::vector<Step> steps;
};

ScalingRules rules(std::optional<int32_t> window, std::optional<SelectPolicy> select,
                   std::vector<ScalingPolicy> policies) {
  return ScalingRules{window, select, std::move(policies)};
}

TEST(HpaAlgorithm, SequenceTable) {
  // DOC §Scaling policies: Pods 4 / 60 s and Percent 10 / 60 s on the way down.
  const std::vector<ScalingPolicy> docPolicies = {{PolicyType::Pods, 4, 60}, {PolicyType::Percent, 10, 60}};
  const std::vector<Sequence> cases = {
      {"DOC §Stabilization window: the highest recommendation of the last 300 s (default, no behavior)",
       HpaSpec{1, 10, std::nullopt},
       5,
       {{seconds(0), 10, 5}, {seconds(60), 2, 5}, {seconds(200), 2, 5}, {seconds(41), 2, 1}}},
      {"DOC §Stabilization window: a short spike keeps the replicas for the window only",
       HpaSpec{1, 10, std::nullopt},
       2,
       {{seconds(0), 20, 4}, {seconds(30), 5, 4}, {seconds(269), 5, 4}, {seconds(1), 5, 2}}},
      {"DOC §Stabilization window: behavior.scaleDown.stabilizationWindowSeconds 60",
       HpaSpec{1, 10, Behavior{std::nullopt, rules(60, std::nullopt, {})}},
       4,
       {{seconds(0), 10, 4}, {seconds(30), 5, 4}, {seconds(31), 5, 2}}},
      {"DOC §Example: change downscale stabilization window / scale up at once (window 0)",
       HpaSpec{1, 10, Behavior{std::nullopt, rules(60, std::nullopt, {})}},
       1,
       {{seconds(0), 40, 4}}},
      {"DOC §Stabilization window on scale up (scaleUp.stabilizationWindowSeconds 60): the lowest recommendation",
       HpaSpec{1, 10, Behavior{rules(60, std::nullopt, {}), std::nullopt}},
       2,
       {{seconds(0), 10, 2}, {seconds(30), 30, 2}, {seconds(31), 30, 6}}},
      {"DOC §Scaling policies: 80 replicas, Max of (4 pods, 10 %) per 60 s: 8 go, then 8 (7.2 rounded up) a period "
       "later, none within the period",
       HpaSpec{1, 100, Behavior{std::nullopt, rules(0, std::nullopt, docPolicies)}},
       80,
       {{seconds(0), 1, 72}, {seconds(10), 1, 72}, {seconds(51), 1, 64}}},
      {"DOC §Scaling policies: selectPolicy Min takes the smallest change",
       HpaSpec{1, 100, Behavior{std::nullopt, rules(0, SelectPolicy::Min, docPolicies)}},
       80,
       {{seconds(0), 1, 76}, {seconds(61), 1, 72}}},
      {"DOC §Example: disable scale down (selectPolicy Disabled)",
       HpaSpec{1, 100, Behavior{std::nullopt, rules(0, SelectPolicy::Disabled, {})}},
       10,
       {{seconds(0), 1, 10}, {seconds(600), 1, 10}}},
      {"DOC §Example: limit scale up: Percent 900 per 60 s (x10)",
       HpaSpec{1, 1000, Behavior{rules(std::nullopt, std::nullopt, {{PolicyType::Percent, 900, 60}}), std::nullopt}},
       1,
       {{seconds(0), 1000, 10}, {seconds(30), 1000, 10}, {seconds(31), 1000, 100}}},
      {"DOC §Default Behavior: 4 pods per 15 s up from 1, then 100 %",
       HpaSpec{1, 50, Behavior{}},
       1,
       {{seconds(0), 500, 5}, {seconds(5), 500, 5}, {seconds(11), 500, 10}}},
      {"DOC §Example: limit scale down rate: 1 pod per 60 s",
       HpaSpec{1, 100, Behavior{std::nullopt, rules(0, std::nullopt, {{PolicyType::Pods, 1, 60}})}},
       5,
       {{seconds(0), 1, 4}, {seconds(30), 1, 4}, {seconds(31), 1, 3}}},
  };
  for (const auto& c : cases) {
    ManualClock clock;
    HpaAlgorithm hpa(clock);
    int32_t current = c.start;
    for (size_t i = 0; i < c.steps.size(); ++i) {
      clock.advance(c.steps[i].after);
      auto r = hpa.recommend(c.spec, current, {pods(c.steps[i].value, 10)});
      EXPECT_EQ(r.replicas, c.steps[i].want) << c.doc << " (step " << i << ", " << r.reason << ")";
      if (r.scale) hpa.recorded(c.spec, current, r.replicas);
      current = r.replicas;
    }
  }
}

TEST(HpaAlgorithm, DefaultedRules) {
  // DOC §Default Behavior.
  auto up = defaultScaleUp(std::nullopt);
  EXPECT_EQ(*up.stabilizationWindowSeconds, 0);
  EXPECT_EQ(*up.selectPolicy, SelectPolicy::Max);
  ASSERT_EQ(up.policies.size(), 2u);
  EXPECT_EQ(up.policies[0].value, 4);
  EXPECT_EQ(up.policies[1].value, 100);
  auto down = defaultScaleDown(ScalingRules{std::nullopt, SelectPolicy::Min, {}});
  EXPECT_EQ(*down.stabilizationWindowSeconds, 300);
  EXPECT_EQ(*down.selectPolicy, SelectPolicy::Min);  // kept
  ASSERT_EQ(down.policies.size(), 1u);
  EXPECT_EQ(down.policies[0].type, PolicyType::Percent);
}

}  // namespace
}  // namespace aviary::autoscaling
