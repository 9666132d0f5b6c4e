// Encoding and the decode -> encode -> decode round trip; JSON input; multi-document files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>


#include "api/encode.h"
#include "test_util.h"

namespace aviary::api {
namespace {

namespace fs = std::filesystem;

std::string dump(const ErrorList& errors) {
  std::string out;
  for (const auto& e : errors) out += e.format() + "\n";
  return out;
}

// encode(decode(text)) must decode again to something that encodes identically.
void expectStableRoundTrip(const std::string& text, const std::string& name) {
  SCOPED_TRACE(name);
  LoadResult first = loadString(text, name);
  ASSERT_TRUE(first.ok()) << dump(first.errors);
  Json all = Json::array();
  for (const auto& c : first.canaries) all.push_back(encode(c));
  for (const auto& t : first.templates) all.push_back(encode(t));
  for (const auto& p : first.alertProviders) all.push_back(encode(p));
  std::string again;
  for (const auto& j : all) again += "---\n" + j.dump() + "\n";
  LoadResult second = loadString(again, name + ".json");
  ASSERT_TRUE(second.ok()) << dump(second.errors) << again;
  Json all2 = Json::array();
  for (const auto& c : second.canaries) all2.push_back(encode(c));
  for (const auto& t : second.templates) all2.push_back(encode(t));
  for (const auto& p : second.alertProviders) all2.push_back(encode(p));
  EXPECT_EQ(all.dump(2), all2.dump(2));
  ASSERT_EQ(first.canaries.size(), second.canaries.size());
  for (size_t i = 0; i < first.canaries.size(); ++i) {
    const auto& a = first.canaries[i].spec;
    const auto& b = second.canaries[i].spec;
    EXPECT_EQ(a.analysis->interval, b.analysis->interval);
    EXPECT_EQ(a.analysis->threshold, b.analysis->threshold);
    EXPECT_EQ(a.service.port, b.service.port);
    EXPECT_EQ(a.progressDeadlineSeconds, b.progressDeadlineSeconds);
  }
}

TEST(Encode, SeedRoundTripIsStable) {
  for (const auto& e : fs::directory_iterator(fs::path(AVIARY_SOURCE_DIR) / "examples/seed")) {
    std::ifstream in(e.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    expectStableRoundTrip(text, e.path().filename().string());
  }
}

TEST(Encode, EveryFieldRoundTrips) {
  const std::string full = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: full
  namespace: prod
  labels: {app: full}
  annotations: {note: x}
spec:
  provider: istio
  metricsServer: http://prometheus:9090
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: full}
  autoscalerRef:
    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    name: full
    primaryScalerReplicas: {minReplicas: 2, maxReplicas: 5}
  ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: full}
  upstreamRef: {apiVersion: gloo.solo.io/v1, kind: Upstream, name: up, namespace: gloo}
  progressDeadlineSeconds: 120
  revertOnDeletion: true
  suspend: true
  service:
    name: full-svc
    port: 80
    portName: grpc
    targetPort: http
    appProtocol: http
    trafficDistribution: PreferClose
    portDiscovery: true
    headless: true
    timeout: 30s
    gateways: [mesh]
    hosts: [full.example.com]
    trafficPolicy: {tls: {mode: ISTIO_MUTUAL}, connectionPool: {http: {h2UpgradePolicy: UPGRADE}}}
    match:
    - uri: {prefix: /api}
      method: {exact: GET}
      ignoreUriCase: true
      port: 8080
      sourceLabels: {app: caller}
      gateways: [mesh]
    rewrite: {uri: /}
    retries: {attempts: 3, perTryTimeout: 1s, retryOn: 5xx}
    headers: {request: {add: {x-a: b}}}
    corsPolicy: {allowOrigins: [{exact: "*"}]}
    apex: {labels: {a: b}}
    primary: {annotations: {c: d}}
    canary: {labels: {e: f}}
    unmanagedMetadata: {labels: [keep]}
  analysis:
    interval: 30s
    threshold: 3
    iterations: 10
    match:
    - headers:
        x-canary: {exact: "true"}
      queryParams:
        v: {regex: "^2"}
      withoutHeaders:
        x-old: {prefix: a}
    mirror: true
    mirrorWeight: 40
    primaryReadyThreshold: 50
    canaryReadyThreshold: 80
    stepWeightPromotion: 0
    metrics:
    - name: custom
      interval: 2m
      thresholdRange: {min: 0.5, max: 99.5}
      templateRef: {name: t, namespace: m}
      templateVariables: {k: v}
    - name: inline
      query: sum(x)
      threshold: 2.5
    webhooks:
    - name: gate
      type: confirm-rollout
      url: http://gate/
      timeout: 15s
      metadata: {a: b}
      muteAlert: true
      retries: 2
      disableTLS: true
    alerts:
    - name: oncall
      severity: warn
      providerRef: {name: slack, namespace: ops}
status:
  phase: Progressing
  failedChecks: 1
  canaryWeight: 20
  iterations: 2
  trackedConfigs: {configmap/x: abc}
  lastAppliedSpec: h1
  lastPromotedSpec: h0
  lastTransitionTime: "2026-01-01T00:00:00Z"
  conditions:
  - {type: Promoted, status: Unknown, reason: Progressing, message: m}
)";
  expectStableRoundTrip(full, "full.yaml");
  LoadResult l = loadString(full, "full.yaml");
  ASSERT_TRUE(l.ok()) << dump(l.errors);
  const Canary& c = l.canaries[0];
  EXPECT_EQ(c.spec.service.targetPort, Json("http"));
  EXPECT_EQ(c.spec.service.match[0].extra["gateways"], Json::array({"mesh"}));
  EXPECT_EQ(c.spec.analysis->match[0].headers.at("x-canary").exact, "true");
  EXPECT_EQ(c.spec.analysis->webhooks[0].type, HookType::ConfirmRollout);
  EXPECT_EQ(c.spec.analysis->metrics[0].thresholdRange->max, 99.5);
  EXPECT_EQ(c.status.phase, Phase::Progressing);
  EXPECT_EQ(c.status.conditions[0].reason, "Progressing");
  Json j = encode(c);
  EXPECT_EQ(j["spec"]["analysis"]["interval"], "30s");
  EXPECT_EQ(j["status"]["canaryWeight"], 20);
  EXPECT_FALSE(j["spec"]["analysis"].contains("maxWeight"));
}

TEST(Decode, DefaultsFollowFlagger) {
  std::string text = testing::canaryWith("    interval: 1m\n    threshold: 5\n", "");
  LoadResult l = loadString(text, "t.yaml");
  ASSERT_TRUE(l.ok()) << dump(l.errors);
  const Canary& c = l.canaries[0];
  EXPECT_EQ(c.spec.progressDeadlineSeconds, 600);
  EXPECT_FALSE(c.spec.progressDeadlineSecondsRaw);
  EXPECT_EQ(c.spec.analysis->interval, std::chrono::seconds(60));
  EXPECT_EQ(c.spec.analysis->threshold, 1);
  EXPECT_FALSE(c.spec.analysis->thresholdRaw);
  EXPECT_FALSE(c.spec.analysis->metrics[0].templateRef);
  EXPECT_EQ(c.spec.analysis->webhooks.size(), 0u);
  // Below 10s is clamped to 10s.
  l = loadString(testing::canaryWith("interval: 1m\n    threshold", "interval: 2s\n    threshold"), "t.yaml");
  EXPECT_EQ(l.canaries.at(0).spec.analysis->interval, std::chrono::seconds(10));
  EXPECT_EQ(l.canaries.at(0).spec.analysis->intervalText, "2s");
  // No analysis -> skip analysis (Flagger), though validation flags it.
  std::string noAnalysis = std::string(testing::kMinimalCanary).substr(0, text.find("  analysis:"));
  l = loadString(noAnalysis, "t.yaml");
  ASSERT_EQ(l.canaries.size(), 1u);
  EXPECT_TRUE(l.canaries[0].skipAnalysis());
}

TEST(Decode, JsonAndMultiDocumentPositions) {
  std::string json = R"({"apiVersion": "flagger.app/v1beta1", "kind": "Canary",
 "metadata": {"name": "j", "namespace": "n"},
 "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "j"},
          "service": {"port": 0}, "analysis": {"interval": "1m", "threshold": 1, "stepWeight": 10}}})";
  std::string text = std::string("# leading comment\n---\n") + testing::kMinimalCanary + "---\n" + json + "\n---\n";
  LoadResult l = loadString(text, "m.yaml");
  ASSERT_EQ(l.documents.size(), 2u);
  EXPECT_EQ(l.canaries.size(), 1u);
  ASSERT_EQ(l.errors.size(), 1u);
  // The JSON document starts on line 26 (2 + 22 lines of YAML + the separator); the port is on its 4th line.
  EXPECT_EQ(l.errors[0].format(), "m.yaml:29:31: spec.service.port: must be between 1 and 65535, found 0");
  EXPECT_EQ(l.documents[1].index, -1);
  EXPECT_EQ(l.documents[1].rejectedIndex, 0);
  EXPECT_EQ(l.documents[0].pos.line, 3);
}

TEST(Decode, AppendOffsetsIndices) {
  LoadResult a = loadString(testing::kMinimalCanary, "a.yaml");
  LoadResult b = loadString(
      std::string(testing::kMinimalCanary) + "---\n" + testing::canaryWith("port: 9898", "port: x"), "b.yaml");
  a.append(std::move(b));
  ASSERT_EQ(a.documents.size(), 3u);
  EXPECT_EQ(a.documents[1].index, 1);
  EXPECT_EQ(a.documents[2].rejectedIndex, 0);
  EXPECT_EQ(a.documents[2].errorsBegin, 0u);
  EXPECT_EQ(a.documents[2].errorsEnd, 1u);
  EXPECT_EQ(a.canaries.size(), 2u);
}

TEST(Decode, LoadNodeUsesNodeMarks) {
  const std::string text = std::string("scenario:\n  canary:\n") +
                           "    apiVersion: flagger.app/v1beta1\n"
                           "    kind: Canary\n    metadata: {name: x}\n    spec:\n      targetRef: {apiVersion: "
                           "apps/v1, kind: Deployment, name: x}\n      service: {port: 0}\n";
  yaml::Document doc;
  yaml::ParseError err;
  ASSERT_TRUE(yaml::parseDocument(text, 0, doc, err)) << err.message;
  LoadResult l = loadNode(doc.root().get("scenario").get("canary"), "scenario.yaml");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].format(), "scenario.yaml:8:23: spec.service.port: must be between 1 and 65535, found 0");
}

TEST(Decode, KubectlListItemsAreDocuments) {
  std::string item = testing::canaryWith("port: 9898", "port: 0");
  std::string indented;
  for (size_t at = 0; at < item.size();) {
    size_t eol = item.find('\n', at);
    indented += "    " + item.substr(at, eol - at + 1);
    at = eol + 1;
  }
  indented.replace(0, 4, "  - ");
  LoadResult l = loadString("apiVersion: v1\nkind: List\nitems:\n" + indented, "list.yaml");
  ASSERT_EQ(l.documents.size(), 1u);
  EXPECT_EQ(l.documents[0].type, DocumentInfo::Type::Canary);
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].format(), "list.yaml:15:15: spec.service.port: must be between 1 and 65535, found 0");
}

TEST(Decode, UnreadableFileIsAnIoError) {
  auto r = loadFile("/nonexistent/x.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Io);
}

}  // namespace
}  // namespace aviary::api
