// The local platform's HPA controller (platform/local/autoscaler.h) on a real LocalPlatform (real
// replica processes of `aviary podinfo`), with the metric answers injected so that every decision
// is known in advance; and the primary's clone made by LocalTarget (flagger-integration §1.13).
#include "platform/local/autoscaler.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "api/decode.h"
#include "platform/local/local_platform.h"
#include "platform/local/local_target.h"

namespace aviary::platform::local {
namespace {

const char* kManifests = R"yaml(
apiVersion: aviary.dev/v1alpha1
kind: Workload
metadata: {name: podinfo, namespace: test}
spec:
  version: "3.1.0"
  replicas: 1
  command: aviary
  args: [podinfo, --port, "$(PORT)", --version, "$(VERSION)"]
  port: 9898
  terminationGracePeriodSeconds: 2
---
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: podinfo-total, namespace: test}
spec:
  scaleTargetRef: {apiVersion: aviary.dev/v1alpha1, kind: Workload, name: podinfo}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Pods
    pods:
      metric: {name: istio_requests_total}
      target: {type: AverageValue, averageValue: "10"}
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: aviary.dev/v1alpha1, kind: Workload, name: podinfo}
  autoscalerRef:
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    name: podinfo-total
    primaryScalerReplicas: {minReplicas: 2, maxReplicas: 8}
  service: {port: 9898}
  analysis: {interval: 10s, threshold: 2, stepWeight: 10, maxWeight: 30}
)yaml";

class LocalAutoscalerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "aviary-hpa-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    LocalOptions o;
    o.stateDir = dir_;
    o.clock = &clock_;
    o.selfExe = AVIARY_BINARY;
    auto p = LocalPlatform::start(o);
    ASSERT_TRUE(p.ok()) << p.error().format();
    platform_ = std::move(*p);
    loaded_ = api::loadString(kManifests, "hpa-test.yaml");
    ASSERT_TRUE(loaded_.ok()) << loaded_.errors[0].format();
    ASSERT_EQ(loaded_.autoscalers.size(), 1u);
    platform_->applyWorkload(loaded_.workloads[0]);
    platform_->applyAutoscaler(loaded_.autoscalers[0]);
    AutoscalerOptions ao;
    ao.rateWindow = "30s";
    autoscaler_ = std::make_unique<LocalAutoscaler>(
        *platform_,
        [this](const std::string& q) -> Result<double> {
          queries_.push_back(q);
          if (q.find("destination_workload=\"podinfo\"") != std::string::npos && rate_) return *rate_;
          return makeError(ErrorCode::NoValues, "no values found");
        },
        ao);
  }
  void TearDown() override {
    autoscaler_.reset();
    if (platform_) platform_->shutdown(ShutdownMode::StopAll);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  int desired(const std::string& set) { return platform_->supervisor().status(setKey("test", set)).desired; }
  AutoscalerStatus statusOf(const std::string& name) {
    for (const auto& s : autoscaler_->status())
      if (s.name == name) return s;
    ADD_FAILURE() << "no status for " << name;
    return {};
  }

  SystemClock clock_;
  std::string dir_;
  std::unique_ptr<LocalPlatform> platform_;
  std::unique_ptr<LocalAutoscaler> autoscaler_;
  api::LoadResult loaded_;
  std::optional<double> rate_;
  std::vector<std::string> queries_;
};

TEST_F(LocalAutoscalerTest, ScalesTheSetOnItsRequestRateAndKeepsItWithinTheTolerance) {
  ASSERT_EQ(desired("podinfo"), 1);
  rate_ = 36;  // 36 req/s on one replica, target 10: ceil(3.6) = 4 (the cap max(2×1, 4) allows it)
  autoscaler_->reconcileAll();
  ASSERT_EQ(queries_.size(), 1u);
  EXPECT_EQ(queries_[0],
            "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"test\","
            "destination_workload=\"podinfo\"}[30s]))");
  EXPECT_EQ(desired("podinfo"), 4);
  auto st = statusOf("podinfo-total");
  EXPECT_EQ(st.currentReplicas, 4);
  EXPECT_EQ(st.desiredReplicas, 4);
  ASSERT_EQ(st.metrics.size(), 1u);
  EXPECT_DOUBLE_EQ(*st.metrics[0].value, 36.0);  // per replica, read at 1 replica
  EXPECT_TRUE(st.lastScaleTime.has_value());
  // 36 req/s over 4 replicas: 9 per replica, within the 10 % tolerance: no change.
  autoscaler_->reconcileAll();
  EXPECT_EQ(desired("podinfo"), 4);
  EXPECT_DOUBLE_EQ(*statusOf("podinfo-total").metrics[0].value, 9.0);
  // No requests at all (no series): 0 req/s; the 300 s stabilization keeps 4 for now.
  rate_.reset();
  autoscaler_->reconcileAll();
  EXPECT_EQ(desired("podinfo"), 4);
  EXPECT_EQ(statusOf("podinfo-total").reason, "ScaleDownStabilized");
}

TEST_F(LocalAutoscalerTest, ASetAtZeroIsNotAutoscaledAndAConcurrentScaleWins) {
  auto& sup = platform_->supervisor();
  ASSERT_TRUE(sup.scale(setKey("test", "podinfo"), 1, 0).ok());
  rate_ = 100;
  autoscaler_->reconcileAll();
  EXPECT_EQ(desired("podinfo"), 0) << "Kubernetes does not autoscale a workload at 0 replicas";
  EXPECT_EQ(statusOf("podinfo-total").reason, "ScalingDisabled");
  // Supervisor::scale is a compare-and-set on the count read.
  auto st = sup.scale(setKey("test", "podinfo"), 3, 5);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::Conflict);
  EXPECT_EQ(sup.scale(setKey("test", "nothing"), 0, 1).error().code, ErrorCode::NotFound);
}

TEST_F(LocalAutoscalerTest, AnUnknownMetricIsReportedAndNeverScalesDown) {
  auto hpa = loaded_.autoscalers[0];
  hpa.spec.metrics[0].name = "http_requests";
  platform_->applyAutoscaler(hpa);
  ASSERT_TRUE(platform_->supervisor().scale(setKey("test", "podinfo"), 1, 3).ok());
  autoscaler_->reconcileAll();
  EXPECT_TRUE(queries_.empty());
  EXPECT_EQ(desired("podinfo"), 3);
  auto st = statusOf("podinfo-total");
  EXPECT_EQ(st.reason, "FailedGetMetrics");
  ASSERT_EQ(st.metrics.size(), 1u);
  EXPECT_NE(st.metrics[0].error.find("metric http_requests is not known to the local platform"), std::string::npos)
      << st.metrics[0].error;
}

TEST_F(LocalAutoscalerTest, ThePrimaryGetsAClonedHpaAndTheCanaryStartsAtItsMinimum) {
  const auto& canary = loaded_.canaries[0];
  LocalTarget target(*platform_, "test", "podinfo");
  ASSERT_TRUE(target.reconcilePrimaryScaler(canary, true).ok());
  auto clone = platform_->autoscaler("test", "podinfo-total-primary");
  ASSERT_TRUE(clone.has_value());
  EXPECT_EQ(clone->spec.scaleTargetRef.name, "podinfo-primary");
  EXPECT_EQ(clone->spec.scaleTargetRef.kind, "Workload");
  EXPECT_EQ(clone->spec.minReplicas, 2) << "primaryScalerReplicas.minReplicas";
  EXPECT_EQ(clone->spec.maxReplicas, 8) << "primaryScalerReplicas.maxReplicas";
  ASSERT_EQ(clone->spec.metrics.size(), 1u);
  EXPECT_EQ(clone->spec.metrics[0].name, "istio_requests_total");
  // The source changes; init=true leaves the clone, init=false (promotion) refreshes it.
  auto src = loaded_.autoscalers[0];
  src.spec.metrics[0].target.value = 20;
  platform_->applyAutoscaler(src);
  ASSERT_TRUE(target.reconcilePrimaryScaler(canary, true).ok());
  EXPECT_EQ(platform_->autoscaler("test", "podinfo-total-primary")->spec.metrics[0].target.value, 10);
  ASSERT_TRUE(target.reconcilePrimaryScaler(canary, false).ok());
  EXPECT_EQ(platform_->autoscaler("test", "podinfo-total-primary")->spec.metrics[0].target.value, 20);
  // A new revision scales the canary from zero to the HPA's minimum (flagger-integration §1.6).
  ASSERT_TRUE(platform_->supervisor().scale(setKey("test", "podinfo"), 1, 0).ok());
  src.spec.minReplicas = 3;
  platform_->applyAutoscaler(src);
  ASSERT_TRUE(target.scaleFromZero(canary).ok());
  EXPECT_EQ(desired("podinfo"), 3);
  // The clone goes with its Canary.
  platform_->forget(canary);
  EXPECT_FALSE(platform_->autoscaler("test", "podinfo-total-primary").has_value());
  EXPECT_TRUE(platform_->autoscaler("test", "podinfo-total").has_value());
}

// KEDA ScaledObjects run on the Kubernetes platform only (docs/kubernetes.md): the local one
// refuses them with an error naming the kind, and creates nothing.
TEST_F(LocalAutoscalerTest, AScaledObjectRefIsRefusedWithAClearError) {
  auto canary = loaded_.canaries[0];
  canary.spec.autoscalerRef = api::AutoscalerRef{"keda.sh/v1alpha1", "ScaledObject", "podinfo-so", {}, {}};
  LocalTarget target(*platform_, "test", "podinfo");
  auto st = target.reconcilePrimaryScaler(canary, true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "autoscalerRef kind ScaledObject is not run by the local platform (HorizontalPodAutoscaler only)");
  EXPECT_FALSE(platform_->autoscaler("test", "podinfo-so-primary").has_value());
}

TEST(LocalAutoscalerQueries, ObjectMetricsMapToServicesAndWorkloads) {
  api::HpaMetric m;
  m.source = autoscaling::MetricSourceType::Object;
  m.name = "istio_requests";
  m.describedObject = {"v1", "Service", "podinfo", ""};
  EXPECT_EQ(*LocalAutoscaler::requestRateQuery(m, "test", "podinfo", "1m"),
            "sum(rate(istio_requests_total{reporter=\"destination\",destination_service_namespace=\"test\","
            "destination_service_name=~\"podinfo|podinfo-primary|podinfo-canary\"}[1m]))");
  m.describedObject = {"apps/v1", "Deployment", "backend", ""};
  EXPECT_EQ(*LocalAutoscaler::requestRateQuery(m, "test", "podinfo", "1m"),
            "sum(rate(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"test\","
            "destination_workload=\"backend\"}[1m]))");
  m.describedObject = {"v1", "Ingress", "x", ""};
  EXPECT_FALSE(LocalAutoscaler::requestRateQuery(m, "test", "podinfo", "1m").ok());
}

}  // namespace
}  // namespace aviary::platform::local
