// The pure parts of the Deployment target: selector discovery, the primary Deployment, pod-spec
// rewrites, config checksums and readiness (flagger-integration.md §1.2–1.7, §1.12); the primary
// KEDA ScaledObject (§1.14).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "api/decode.h"
#include "platform/kubernetes/config_tracker.h"
#include "platform/kubernetes/object_cache.h"
#include "platform/kubernetes/primary_spec.h"
#include "platform/kubernetes/workload_target.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;

api::Canary canary(const std::string& extra = "") {
  auto r = api::loadString(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test, uid: u-1}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service:
    port: 9898
)" + extra,
                           "canary.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].format());
  return r.canaries.at(0);
}

Json deployment() {
  return Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"podinfo","namespace":"test","labels":{"app":"podinfo","team":"a","x.toolkit.fluxcd.io/n":"f"},
                "annotations":{"deployment.kubernetes.io/revision":"3"}},
    "spec":{"replicas":2,"progressDeadlineSeconds":60,"strategy":{"type":"RollingUpdate"},
      "selector":{"matchLabels":{"app":"podinfo","tier":"web"}},
      "template":{"metadata":{"labels":{"app":"podinfo","tier":"web"},"annotations":{"flagger-id":"old","p":"q"}},
        "spec":{"containers":[{"name":"podinfod","image":"podinfo:3.1.0",
            "ports":[{"containerPort":9898,"name":"http"},{"containerPort":9797}],
            "envFrom":[{"configMapRef":{"name":"cfg"}}],
            "env":[{"name":"T","valueFrom":{"secretKeyRef":{"name":"tok","key":"t"}}},
                   {"name":"U","valueFrom":{"secretKeyRef":{"name":"untracked","key":"u"}}}]}],
          "volumes":[{"name":"v","configMap":{"name":"cfg"}},{"name":"s","secret":{"secretName":"tok"}}],
          "affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[
            {"labelSelector":{"matchExpressions":[{"key":"app","operator":"In","values":["x","podinfo","podinfo"]}]}}]}},
          "topologySpreadConstraints":[{"labelSelector":{"matchLabels":{"app":"podinfo","tier":"podinfo"}}}]}}}})");
}

TEST(PrimarySpecTest, SelectorLabelDiscoveryAndItsError) {
  auto c = canary();
  auto m = targetMetadata(c, deployment(), {"app", "name", "app.kubernetes.io/name"});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->labelKey, "app");
  EXPECT_EQ(m->labelValue, "podinfo");
  EXPECT_TRUE(m->ports.empty());  // portDiscovery off
  auto none = targetMetadata(c, deployment(), {"name", "app.kubernetes.io/name"});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message,
            "deployment podinfo.test spec.selector.matchLabels must contain one of [name app.kubernetes.io/name]");
}

TEST(PrimarySpecTest, PortDiscoverySkipsTheServicePortAndNamesUnnamedPorts) {
  auto c = canary("    portDiscovery: true\n");
  auto m = targetMetadata(c, deployment(), {"app"});
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->ports.size(), 1u);
  EXPECT_EQ(m->ports.at("tcp-podinfod-1"), 9797);
}

TEST(PrimarySpecTest, NewPrimaryHasTheRenamesAndTheSelectorRewrite) {
  auto c = canary();
  SeededRandom random(1);
  TargetMetadata meta{"app", "podinfo", {}};
  Json p = newPrimaryDeployment(c, deployment(), meta, {"configmap/cfg", "secret/tok"}, {{"app"}, {""}}, random);
  EXPECT_EQ(p["metadata"]["name"], "podinfo-primary");
  EXPECT_EQ(p["metadata"]["labels"], Json({{"app", "podinfo-primary"}}));  // include-label-prefix "" copies none
  EXPECT_EQ(p["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
  EXPECT_EQ(p["metadata"]["ownerReferences"][0]["kind"], "Canary");
  EXPECT_EQ(p["metadata"]["ownerReferences"][0]["uid"], "u-1");
  EXPECT_EQ(p["spec"]["replicas"], 2);
  EXPECT_EQ(p["spec"]["progressDeadlineSeconds"], 60);
  EXPECT_EQ(p["spec"]["selector"], Json({{"matchLabels", {{"app", "podinfo-primary"}}}}));
  const Json& t = p["spec"]["template"];
  EXPECT_EQ(t["metadata"]["labels"], Json({{"app", "podinfo-primary"}, {"tier", "web"}}));
  EXPECT_EQ(t["metadata"]["annotations"]["p"], "q");
  EXPECT_NE(t["metadata"]["annotations"]["flagger-id"], "old");
  EXPECT_EQ(t["metadata"]["annotations"]["flagger-id"].get<std::string>().size(), 36u);
  const Json& s = t["spec"];
  EXPECT_EQ(s["containers"][0]["envFrom"][0]["configMapRef"]["name"], "cfg-primary");
  EXPECT_EQ(s["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["name"], "tok-primary");
  EXPECT_EQ(s["containers"][0]["env"][1]["valueFrom"]["secretKeyRef"]["name"], "untracked");
  EXPECT_EQ(s["volumes"][0]["configMap"]["name"], "cfg-primary");
  EXPECT_EQ(s["volumes"][1]["secret"]["secretName"], "tok-primary");
  // Only the first value equal to the target's name, only for selector labels.
  EXPECT_EQ(s["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"]
             ["matchExpressions"][0]["values"],
            Json({"x", "podinfo-primary", "podinfo"}));
  EXPECT_EQ(s["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"],
            Json({{"app", "podinfo-primary"}, {"tier", "podinfo"}}));
}

TEST(PrimarySpecTest, PromoteCopiesTheTemplateAndKeepsReplicasWithAnAutoscaler) {
  auto c = canary();
  SeededRandom random(2);
  TargetMetadata meta{"app", "podinfo", {}};
  Json p = newPrimaryDeployment(c, deployment(), meta, {}, {{"app"}, {"*"}}, random);
  const std::string firstId = p["spec"]["template"]["metadata"]["annotations"]["flagger-id"];
  Json target = deployment();
  target["spec"]["template"]["spec"]["containers"][0]["image"] = "podinfo:3.1.1";
  target["spec"]["replicas"] = 5;
  auto withHpa = canary();
  withHpa.spec.autoscalerRef = api::AutoscalerRef{"autoscaling/v2", "HorizontalPodAutoscaler", "podinfo", {}, {}};
  promoteInto(p, withHpa, target, meta, {}, {{"app"}, {"*"}}, random);
  EXPECT_EQ(p["spec"]["template"]["spec"]["containers"][0]["image"], "podinfo:3.1.1");
  EXPECT_NE(p["spec"]["template"]["metadata"]["annotations"]["flagger-id"], firstId);
  EXPECT_EQ(p["spec"]["replicas"], 2);  // the HPA owns the primary's replicas
  EXPECT_EQ(p["metadata"]["labels"], Json({{"app", "podinfo-primary"}, {"team", "a"}}));  // "*": all but flux keys
  promoteInto(p, c, target, meta, {}, {{"app"}, {"*"}}, random);
  EXPECT_EQ(p["spec"]["replicas"], 5);
}

TEST(PrimarySpecTest, ConfigChecksumIsGoJsonSha256Prefix) {
  // sha256(`{"a":"b"}`) and sha256(`{"k":"\u003cx\u003e\u0026"}`): Go's HTML-safe escaping.
  EXPECT_EQ(configChecksum(Json({{"a", "b"}})), "db4a7ecb114bc66c");
  EXPECT_EQ(configChecksum(Json({{"k", "<x>&"}})), "701780b993653ede");
  EXPECT_EQ(configChecksum(Json()), "74234e98afe7498f");
}

TEST(PrimarySpecTest, ReadinessFollowsFlaggersOrderAndTexts) {
  const auto now = Clock::TimePoint(std::chrono::seconds(2000000000));
  Json d = {{"metadata", {{"name", "podinfo"}, {"generation", 2}}},
            {"spec", {{"replicas", 2}}},
            {"status", {{"observedGeneration", 1}}}};
  auto r = deploymentReadiness(d, 100, std::chrono::seconds(60), now);
  EXPECT_EQ(r.state, controller::Readiness::State::Waiting);
  EXPECT_EQ(r.message, "waiting for rollout to finish: observed deployment generation less than desired generation");
  d["status"] = {{"observedGeneration", 2}, {"updatedReplicas", 1}, {"replicas", 2}};
  EXPECT_EQ(deploymentReadiness(d, 100, std::chrono::seconds(60), now).message,
            "waiting for rollout to finish: 1 out of 2 new replicas have been updated");
  d["status"] = {{"observedGeneration", 2}, {"updatedReplicas", 2}, {"replicas", 3}};
  EXPECT_EQ(deploymentReadiness(d, 100, std::chrono::seconds(60), now).message,
            "waiting for rollout to finish: 1 old replicas are pending termination");
  d["status"] = {{"observedGeneration", 2}, {"updatedReplicas", 2}, {"replicas", 2}, {"availableReplicas", 1}};
  EXPECT_EQ(deploymentReadiness(d, 100, std::chrono::seconds(60), now).message,
            "waiting for rollout to finish: 1 of 2 (readyThreshold 100%) updated replicas are available");
  EXPECT_TRUE(deploymentReadiness(d, 50, std::chrono::seconds(60), now).isReady());
  // Unavailable for longer than the progress deadline: not retriable.
  d["status"]["conditions"] = {{{"type", "Progressing"}, {"status", "True"}},
                               {{"type", "Available"},
                                {"status", "False"},
                                {"reason", "MinimumReplicasUnavailable"},
                                {"lastUpdateTime", "2033-05-18T03:32:00Z"}}};
  EXPECT_EQ(deploymentReadiness(d, 100, std::chrono::seconds(60), now).state, controller::Readiness::State::Failed);
  EXPECT_EQ(deploymentReadiness(d, 100, std::chrono::seconds(600), now).state, controller::Readiness::State::Waiting);
  d["status"]["conditions"][0]["reason"] = "ProgressDeadlineExceeded";
  EXPECT_EQ(deploymentReadiness(d, 100, std::chrono::seconds(600), now).message,
            "deployment \"podinfo\" exceeded its progress deadline");
}

TEST(PrimarySpecTest, DaemonSetReadinessAndItsDeadlineFromTheCanary) {
  const auto now = Clock::TimePoint(std::chrono::seconds(2000000000));  // 2033-05-18T03:33:20Z
  Json d = {{"metadata", {{"generation", 1}}},
            {"status",
             {{"observedGeneration", 1},
              {"desiredNumberScheduled", 2},
              {"updatedNumberScheduled", 1},
              {"numberAvailable", 1}}}};
  auto r = daemonSetReadiness(d, 100, std::chrono::seconds(60), "2033-05-18T03:33:00Z", now);
  EXPECT_EQ(r.state, controller::Readiness::State::Waiting);
  EXPECT_EQ(r.message, "waiting for rollout to finish: 1 out of 2 new pods have been updated");
  r = daemonSetReadiness(d, 100, std::chrono::seconds(60), "2033-05-18T03:32:00Z", now);
  EXPECT_EQ(r.state, controller::Readiness::State::Failed);
  EXPECT_EQ(r.message, "exceeded its progressDeadlineSeconds: 60");
  d["status"]["updatedNumberScheduled"] = 2;
  EXPECT_EQ(daemonSetReadiness(d, 100, std::chrono::seconds(60), "", now).message,
            "waiting for rollout to finish: 1 of 2 (readyThreshold 100%) updated pods are available");
  EXPECT_TRUE(daemonSetReadiness(d, 50, std::chrono::seconds(60), "", now).isReady());
}

TEST(PrimarySpecTest, DaemonSetRevisionIgnoresTheScaleToZeroSelector) {
  Json a = {{"spec", {{"template", {{"spec", {{"containers", Json::array()}}}}}}}};
  Json b = a;
  b["spec"]["template"]["spec"]["nodeSelector"] = {{"flagger.app/scale-to-zero", "true"}};
  EXPECT_EQ(revisionInput(a, WorkloadKind::DaemonSet), revisionInput(b, WorkloadKind::DaemonSet));
  EXPECT_NE(revisionInput(a, WorkloadKind::Deployment), revisionInput(b, WorkloadKind::Deployment));
  auto c = canary();
  auto err = targetMetadata(c, Json::object(), {"app"}, WorkloadKind::DaemonSet);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().message, "daemonset podinfo.test spec.selector.matchLabels must contain one of [app]'");
}

TEST(PrimarySpecTest, ResourceVersionsCompareAsIntegersElseTheNewestWriteWins) {
  EXPECT_TRUE(olderResourceVersion("9", "10"));
  EXPECT_FALSE(olderResourceVersion("10", "9"));
  EXPECT_FALSE(olderResourceVersion("10", "10"));
  EXPECT_FALSE(olderResourceVersion("a9", "10"));
  EXPECT_FALSE(olderResourceVersion("9", ""));
}

// flagger-integration.md §1.14 steps 2–5: the primary ScaledObject cloned from the source — the
// queries rewritten (`podinfo-canary` and `podinfo` to `podinfo-primary`; the already-primary
// name is rewritten again, as Flagger's string replace does), the HPA config name suffixed,
// Flagger's field list copied (initialCooldownPeriod is not in it), flux keys and the pause
// annotation dropped (the pause one is our difference from Flagger's [Q]). The golden is
// written by hand from §1.14, not by this code.
TEST(PrimarySpecTest, PrimaryScaledObjectMatchesItsGolden) {
  Json source = Json::parse(R"({"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject",
    "metadata":{"name":"podinfo-so","namespace":"test","resourceVersion":"7","uid":"so-1",
      "labels":{"app":"podinfo","team":"a","kustomize.toolkit.fluxcd.io/name":"apps"},
      "annotations":{"autoscaling.keda.sh/paused-replicas":"0","note":"kept","x.toolkit.fluxcd.io/y":"z"}},
    "spec":{"scaleTargetRef":{"name":"podinfo","kind":"Deployment","apiVersion":"apps/v1","envSourceContainerName":"podinfod"},
      "pollingInterval":15,"cooldownPeriod":120,"initialCooldownPeriod":30,"minReplicaCount":2,"maxReplicaCount":6,
      "idleReplicaCount":0,"fallback":{"failureThreshold":3,"replicas":2},
      "advanced":{"restoreToOriginalReplicaCount":true,
        "horizontalPodAutoscalerConfig":{"name":"keda-hpa-podinfo","behavior":{"scaleDown":{"stabilizationWindowSeconds":60}}}},
      "triggers":[
        {"type":"prometheus","name":"rps","metadata":{"serverAddress":"http://prometheus:9090","threshold":"10",
          "query":"sum(rate(http_requests_total{app=\"podinfo-canary\",svc=\"podinfo\"}[1m])) + podinfo-primary"}},
        {"type":"cpu","metricType":"Utilization","metadata":{"value":"80"}}]},
    "status":{"hpaName":"keda-hpa-podinfo"}})");
  auto c = canary("  autoscalerRef: {apiVersion: keda.sh/v1alpha1, kind: ScaledObject, name: podinfo-so}\n");
  std::ifstream in(std::string(AVIARY_GOLDEN) + "/primary-scaledobject.json");
  ASSERT_TRUE(in) << "golden missing";
  std::stringstream golden;
  golden << in.rdbuf();
  const Json want = Json::parse(golden.str());
  const Json got = primaryScaledObject(c, source);
  EXPECT_EQ(got, want) << "got:\n" << got.dump(2) << "\ndiff:\n" << Json::diff(want, got).dump(2);
}

// §1.14 step 2 (primaryScalerQueries by trigger name, others untouched), step 3 (the
// horizontalPodAutoscalerConfig object ensured, an empty name left empty), step 4
// (primaryScalerReplicas over min/maxReplicaCount), and a source without annotations.
TEST(PrimarySpecTest, PrimaryScaledObjectTakesPrimaryScalerQueriesAndReplicas) {
  Json source = Json::parse(R"({"metadata":{"name":"so"},"spec":{
      "scaleTargetRef":{"name":"podinfo"},"minReplicaCount":1,"maxReplicaCount":3,
      "triggers":[{"type":"prometheus","name":"a","metadata":{"query":"up{app=\"podinfo\"}"}},
                  {"type":"prometheus","name":"b","metadata":{"query":"podinfo"}},
                  {"type":"prometheus","metadata":{"query":"podinfo-canary"}}]}})");
  auto c = canary(R"(  autoscalerRef:
    apiVersion: keda.sh/v1alpha1
    kind: ScaledObject
    name: so
    primaryScalerQueries: {a: 'sum(up{app="podinfo-primary"})', missing: q}
    primaryScalerReplicas: {minReplicas: 2, maxReplicas: 9}
)");
  const Json got = primaryScaledObject(c, source);
  EXPECT_EQ(got["metadata"]["name"], "so-primary");
  EXPECT_FALSE(got["metadata"].contains("annotations"));
  EXPECT_EQ(got["spec"]["scaleTargetRef"], Json({{"name", "podinfo-primary"}}));
  EXPECT_EQ(got["spec"]["triggers"][0]["metadata"]["query"], "sum(up{app=\"podinfo-primary\"})");
  EXPECT_EQ(got["spec"]["triggers"][1]["metadata"]["query"], "podinfo") << "not in the map: kept as written";
  EXPECT_EQ(got["spec"]["triggers"][2]["metadata"]["query"], "podinfo-canary") << "unnamed: kept";
  EXPECT_EQ(got["spec"]["advanced"], Json({{"horizontalPodAutoscalerConfig", Json::object()}}));
  EXPECT_EQ(got["spec"]["minReplicaCount"], 2);
  EXPECT_EQ(got["spec"]["maxReplicaCount"], 9);

  source["spec"]["advanced"] = {{"horizontalPodAutoscalerConfig", {{"name", ""}}}};
  EXPECT_EQ(primaryScaledObject(c, source)["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"], "");
}

// §1.14 step 2's three passes, including the overlaps a left-to-right scan would get wrong.
TEST(PrimarySpecTest, ScaledObjectQueryRewritesLikeFlaggersPlaceholderPasses) {
  EXPECT_EQ(scaledObjectQuery("podinfo podinfo-canary podinfo", "podinfo"),
            "podinfo-primary podinfo-primary podinfo-primary");
  EXPECT_EQ(scaledObjectQuery("no match", "podinfo"), "no match");
  EXPECT_EQ(scaledObjectQuery("", "podinfo"), "");
  // Flagger: "aaa-canary" → "a" + P (the -canary match at 1) → "a" + "aa-primary".
  EXPECT_EQ(scaledObjectQuery("aaa-canary", "aa"), "aaa-primary");
  EXPECT_EQ(scaledObjectQuery("aaaa", "aa"), "aa-primaryaa-primary");
  EXPECT_EQ(scaledObjectQuery("x", ""), "x");
}

}  // namespace
}  // namespace aviary::platform::kubernetes
