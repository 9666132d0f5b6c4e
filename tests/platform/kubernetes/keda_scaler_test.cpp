// The Kubernetes platform's KEDA ScaledObject handling (flagger-integration.md §1.14) against the
// sandbox API server with KEDA's CRD (testdata/keda-crds.yaml, a reduced copy of KEDA's): the
// primary ScaledObject created with rewritten queries, steady ticks without writes, an edited
// source carried to the primary, the source paused and resumed, scale-from-zero to its
// minReplicaCount, the primary deleted with the Canary.
#include <gtest/gtest.h>

#include "api/decode.h"
#include "platform/kubernetes/kube_platform.h"
#include "platform/kubernetes/primary_spec.h"
#include "platform/kubernetes/resources.h"
#include "sandbox_fixture.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;
using testing::eventually;

Json podinfo() {
  return Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"podinfo","namespace":"test","labels":{"app":"podinfo"}},
    "spec":{"replicas":1,"selector":{"matchLabels":{"app":"podinfo"}},
      "template":{"metadata":{"labels":{"app":"podinfo"}},
        "spec":{"containers":[{"name":"podinfod","image":"podinfo:3.1.0"}]}}}})");
}

Json scaledObject() {
  return Json::parse(R"json({"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject",
    "metadata":{"name":"podinfo-so","namespace":"test","labels":{"app":"podinfo"}},
    "spec":{"scaleTargetRef":{"name":"podinfo"},"minReplicaCount":3,"maxReplicaCount":5,
      "advanced":{"horizontalPodAutoscalerConfig":{"name":"podinfo-hpa"}},
      "triggers":[{"type":"prometheus","name":"rps","metadata":{"serverAddress":"http://prometheus:9090",
        "threshold":"10","query":"sum(rate(http_requests_total{app=\"podinfo-canary\"}[1m]))"}}]}})json");
}

const char* kCanary = R"({"apiVersion":"flagger.app/v1beta1","kind":"Canary",
    "metadata":{"name":"podinfo","namespace":"test"},
    "spec":{"provider":"kubernetes","targetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"podinfo"},
      "autoscalerRef":{"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject","name":"podinfo-so",
        "primaryScalerReplicas":{"maxReplicas":7}},
      "service":{"port":9898},
      "analysis":{"interval":"10s","threshold":2,"iterations":2,"metrics":[]}}})";

class KedaScalerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& k = sb_.client();
    auto crds = api::loadFile(AVIARY_TESTDATA "/keda-crds.yaml");
    ASSERT_TRUE(crds.ok() && crds->ok() && crds->others.size() == 1) << "testdata/keda-crds.yaml unreadable";
    k.create({"apiextensions.k8s.io", "v1", "customresourcedefinitions", false}, "", crds->others[0].object).value();
    k.create(kDeployments, "test", podinfo()).value();
    k.create(kScaledObjects, "test", scaledObject()).value();
    KubePlatformOptions o;
    o.clock = &clock_;
    o.syncTimeout = std::chrono::seconds(10);
    platform_ = std::move(KubePlatform::start(k, o).value());
    k.create(kCanaries, "test", Json::parse(kCanary)).value();
    ASSERT_TRUE(eventually([&] { return (canary_ = platform_->store().getCanary("test", "podinfo")) != nullptr; }));
    target_ = std::move(platform_->makeTarget(*canary_).value());
  }
  Json so(const std::string& name) { return sb_.client().get(kScaledObjects, "test", name).value(); }
  static bool paused(const Json& o) {
    return o["metadata"].contains("annotations") && o["metadata"]["annotations"].contains(kKedaPausedReplicas);
  }

  SystemClock clock_;
  testing::Sandbox sb_;
  std::unique_ptr<KubePlatform> platform_;
  std::shared_ptr<const api::Canary> canary_;
  std::unique_ptr<controller::Target> target_;
};

TEST_F(KedaScalerTest, PrimaryIsCreatedUpdatedOnlyOnADifferenceAndTheSourcePausedAndResumed) {
  const api::Canary& c = *canary_;
  // Initialisation (§1.14, Appendix B step 6): the primary, then the source paused. The source
  // is paused before the primary exists here, to show the primary does not inherit it.
  ASSERT_TRUE(target_->pauseTargetScaler(c).ok());
  ASSERT_TRUE(target_->reconcilePrimaryScaler(c, true).ok());
  Json src = so("podinfo-so");
  EXPECT_EQ(src["metadata"]["annotations"][kKedaPausedReplicas], "0");
  Json primary = so("podinfo-so-primary");
  EXPECT_FALSE(paused(primary)) << "the primary must not inherit the pause annotation";
  EXPECT_EQ(primary["spec"]["scaleTargetRef"], Json({{"name", "podinfo-primary"}}));
  EXPECT_EQ(primary["spec"]["triggers"][0]["metadata"]["query"],
            "sum(rate(http_requests_total{app=\"podinfo-primary\"}[1m]))");
  EXPECT_EQ(primary["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"], "podinfo-hpa-primary");
  EXPECT_EQ(primary["spec"]["minReplicaCount"], 3);
  EXPECT_EQ(primary["spec"]["maxReplicaCount"], 7);
  EXPECT_EQ(primary["metadata"]["ownerReferences"][0]["kind"], "Canary");

  // A steady tick (reconcile with and without init, pause again) writes nothing.
  const std::string srcVersion = src["metadata"]["resourceVersion"];
  const std::string primaryVersion = primary["metadata"]["resourceVersion"];
  ASSERT_TRUE(target_->reconcilePrimaryScaler(c, true).ok());
  ASSERT_TRUE(target_->pauseTargetScaler(c).ok());
  ASSERT_TRUE(target_->reconcilePrimaryScaler(c, false).ok());
  EXPECT_EQ(so("podinfo-so")["metadata"]["resourceVersion"], srcVersion);
  EXPECT_EQ(so("podinfo-so-primary")["metadata"]["resourceVersion"], primaryVersion);

  // An edited source: init=true (every tick) leaves the primary; init=false (Promoting,
  // skip-analysis) carries the edit, the primary's metadata kept.
  src = so("podinfo-so");
  src["spec"]["triggers"][0]["metadata"]["threshold"] = "20";
  src["spec"]["minReplicaCount"] = 2;
  sb_.client().update(kScaledObjects, "test", src).value();
  ASSERT_TRUE(target_->reconcilePrimaryScaler(c, true).ok());
  EXPECT_EQ(so("podinfo-so-primary")["metadata"]["resourceVersion"], primaryVersion);
  ASSERT_TRUE(target_->reconcilePrimaryScaler(c, false).ok());
  primary = so("podinfo-so-primary");
  EXPECT_EQ(primary["spec"]["triggers"][0]["metadata"]["threshold"], "20");
  EXPECT_EQ(primary["spec"]["minReplicaCount"], 2);
  EXPECT_EQ(primary["spec"]["maxReplicaCount"], 7) << "primaryScalerReplicas still wins";
  EXPECT_EQ(primary["metadata"]["labels"], Json({{"app", "podinfo"}}));

  // A new revision: resumed before the canary scales up from zero (to minReplicaCount 2).
  ASSERT_TRUE(target_->scaleToZero(c).ok());
  ASSERT_TRUE(target_->resumeTargetScaler(c).ok());
  EXPECT_FALSE(paused(so("podinfo-so")));
  ASSERT_TRUE(target_->scaleFromZero(c).ok());
  EXPECT_EQ(sb_.client().get(kDeployments, "test", "podinfo").value()["spec"]["replicas"], 2);
  const std::string resumedVersion = so("podinfo-so")["metadata"]["resourceVersion"];
  ASSERT_TRUE(target_->resumeTargetScaler(c).ok());
  EXPECT_EQ(so("podinfo-so")["metadata"]["resourceVersion"], resumedVersion) << "resume twice: one write";

  // Rollback pauses the source again; a user's own pause value is set to "0", as Flagger does.
  ASSERT_TRUE(target_->pauseTargetScaler(c).ok());
  EXPECT_EQ(so("podinfo-so")["metadata"]["annotations"][kKedaPausedReplicas], "0");
  src = so("podinfo-so");
  src["metadata"]["annotations"][kKedaPausedReplicas] = "2";
  sb_.client().update(kScaledObjects, "test", src).value();
  ASSERT_TRUE(target_->pauseTargetScaler(c).ok());
  EXPECT_EQ(so("podinfo-so")["metadata"]["annotations"][kKedaPausedReplicas], "0");

  // The Canary deleted: the primary goes, the user's ScaledObject stays.
  platform_->forget(c);
  EXPECT_FALSE(sb_.client().get(kScaledObjects, "test", "podinfo-so-primary").ok());
  EXPECT_TRUE(sb_.client().get(kScaledObjects, "test", "podinfo-so").ok());
}

TEST_F(KedaScalerTest, AMissingSourceIsAnErrorNamingIt) {
  sb_.client().remove(kScaledObjects, "test", "podinfo-so").value();
  auto st = target_->reconcilePrimaryScaler(*canary_, true);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::NotFound);
  EXPECT_NE(st.error().message.find("ScaledObject podinfo-so.test get query error"), std::string::npos)
      << st.error().message;
  EXPECT_FALSE(target_->pauseTargetScaler(*canary_).ok());
}

}  // namespace
}  // namespace aviary::platform::kubernetes
