// Decoding of the seed files and Flagger's defaults.
#include <gtest/gtest.h>

#include "api/decode.h"
#include "yaml/reader.h"

#ifndef AVIARY_SOURCE_DIR
#error "AVIARY_SOURCE_DIR must be defined"
#endif

namespace aviary::api {
namespace {

const std::string kSeed = std::string(AVIARY_SOURCE_DIR) + "/examples/seed/";

std::string dump(const ErrorList& errors) {
  std::string out;
  for (const auto& e : errors) out += e.format() + "\n";
  return out;
}

TEST(DecodeSeed, PodinfoCanary) {
  auto r = loadFile(kSeed + "podinfo-canary.yaml");
  ASSERT_TRUE(r.ok()) << r.error().format();
  ASSERT_TRUE(r->ok()) << dump(r->errors);
  EXPECT_TRUE(r->warnings.empty()) << dump(r->warnings);
  ASSERT_EQ(r->canaries.size(), 1u);
  const Canary& c = r->canaries[0];
  EXPECT_EQ(c.metadata.name, "podinfo");
  EXPECT_EQ(c.metadata.namespace_, "test");
  EXPECT_EQ(c.spec.targetRef.kind, "Deployment");
  EXPECT_EQ(c.spec.targetRef.name, "podinfo");
  EXPECT_EQ(c.spec.progressDeadlineSeconds, 60);
  ASSERT_TRUE(c.spec.autoscalerRef);
  EXPECT_EQ(c.spec.autoscalerRef->apiVersion, "autoscaling/v2beta2");
  EXPECT_EQ(c.spec.service.port, 9898);
  EXPECT_EQ(c.spec.service.targetPort, Json(9898));
  EXPECT_EQ(c.spec.service.gateways, std::vector<std::string>{"public-gateway.istio-system.svc.cluster.local"});
  EXPECT_EQ(c.spec.service.hosts, std::vector<std::string>{"*"});
  EXPECT_EQ(c.spec.service.trafficPolicy["tls"]["mode"], "DISABLE");
  ASSERT_TRUE(c.spec.service.retries);
  EXPECT_EQ(c.spec.service.retries->attempts, 3);
  EXPECT_EQ(c.spec.service.retries->perTryTimeout, "1s");
  ASSERT_TRUE(c.spec.analysis);
  const auto& a = *c.spec.analysis;
  EXPECT_EQ(a.interval, std::chrono::minutes(1));
  EXPECT_EQ(a.intervalText, "1m");
  EXPECT_EQ(a.threshold, 5);
  EXPECT_EQ(a.maxWeight, 50);
  EXPECT_EQ(a.stepWeight, 10);
  ASSERT_EQ(a.metrics.size(), 2u);
  EXPECT_EQ(a.metrics[0].name, "request-success-rate");
  EXPECT_EQ(a.metrics[0].thresholdRange->min, 99.0);
  EXPECT_FALSE(a.metrics[0].thresholdRange->max);
  EXPECT_EQ(a.metrics[1].interval, std::chrono::seconds(30));
  ASSERT_EQ(a.webhooks.size(), 2u);
  EXPECT_EQ(a.webhooks[0].type, HookType::PreRollout);
  EXPECT_EQ(a.webhooks[0].timeout, "30s");
  EXPECT_EQ(a.webhooks[0].metadata.at("type"), "bash");
  EXPECT_EQ(a.webhooks[1].type, HookType::Rollout);
  EXPECT_EQ(a.webhooks[1].typeText, "");
  EXPECT_EQ(c.pos.line, 1);
  EXPECT_EQ(c.positions.at("spec.analysis.stepWeight").line, 51);
  EXPECT_EQ(c.positions.at("spec.analysis.stepWeight").column, 17);
  EXPECT_EQ(c.serviceName(), "podinfo");
  EXPECT_FALSE(c.skipAnalysis());
}

TEST(DecodeSeed, Canary404AndTemplate) {
  auto c = loadFile(kSeed + "podinfo-canary-404.yaml");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->ok()) << dump(c->errors);
  ASSERT_EQ(c->canaries.size(), 1u);
  const auto& m = c->canaries[0].spec.analysis->metrics[0];
  EXPECT_EQ(m.name, "404s percentage");
  ASSERT_TRUE(m.templateRef);
  EXPECT_EQ(m.templateRef->name, "not-found-percentage");
  EXPECT_EQ(m.templateRef->namespace_, "istio-system");
  EXPECT_EQ(m.thresholdRange->max, 5.0);
  EXPECT_EQ(c->canaries[0].spec.autoscalerRef->name, "podinfo-total");

  auto t = loadFile(kSeed + "metrics-404.yaml");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->ok()) << dump(t->errors);
  ASSERT_EQ(t->templates.size(), 1u);
  EXPECT_EQ(t->templates[0].metadata.name, "not-found-percentage");
  EXPECT_EQ(t->templates[0].provider.type, "prometheus");
  EXPECT_EQ(t->templates[0].provider.address, "http://prometheus.istio-system:9090");
  EXPECT_NE(t->templates[0].query.find("response_code!=\"404\""), std::string::npos);
}

TEST(DecodeSeed, NonFlaggerKindsAreOthers) {
  auto r = loadFile(kSeed + "public-gateway.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << dump(r->errors);
  ASSERT_EQ(r->others.size(), 1u);
  ASSERT_EQ(r->documents.size(), 1u);
  EXPECT_EQ(r->documents[0].type, DocumentInfo::Type::Other);
}

TEST(DecodeSeed, TheHpaIsDecoded) {
  // autoscaling/v2beta2 is read as v2 (api/hpa.h).
  auto r = loadFile(kSeed + "podinfo-hpa.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok()) << dump(r->errors);
  ASSERT_EQ(r->autoscalers.size(), 1u);
  ASSERT_EQ(r->documents.size(), 1u);
  EXPECT_EQ(r->documents[0].type, DocumentInfo::Type::HorizontalPodAutoscaler);
  const auto& h = r->autoscalers[0];
  EXPECT_EQ(h.apiVersion, "autoscaling/v2beta2");
  EXPECT_EQ(h.metadata.name, "podinfo");
  EXPECT_EQ(h.spec.scaleTargetRef.kind, "Deployment");
  EXPECT_EQ(h.spec.scaleTargetRef.name, "podinfo");
  EXPECT_EQ(h.spec.minReplicas, 2);
  EXPECT_EQ(h.spec.maxReplicas, 4);
  ASSERT_EQ(h.spec.metrics.size(), 1u);
  EXPECT_EQ(h.spec.metrics[0].source, autoscaling::MetricSourceType::Resource);
  EXPECT_EQ(h.spec.metrics[0].name, "cpu");
  EXPECT_EQ(h.spec.metrics[0].target.type, autoscaling::MetricTargetType::Utilization);
  EXPECT_EQ(h.spec.metrics[0].target.value, 99);
  EXPECT_FALSE(h.spec.behavior.has_value());
}

TEST(Utf8, StrictValidationAndEscaping) {
  using yaml::escapeInvalidUtf8;
  using yaml::isValidUtf8;
  EXPECT_TRUE(isValidUtf8("caf\xC3\xA9 \xF0\x9F\x90\xA6"));
  EXPECT_FALSE(isValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(escapeInvalidUtf8("a\xA9"
                              "b\xC3\xA9"),
            "a\\xA9"
            "b\xC3\xA9");
}

TEST(DecodeTypes, PlainScalarsAreTypedQuotedOnesAreStrings) {
  auto r = loadString(
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: x\nspec:\n"
      "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: x}\n"
      "  service: {port: 80, targetPort: \"8080\", gateways: [\"1\"]}\n"
      "  analysis: {interval: 1m, threshold: 1, stepWeight: 10, mirror: True}\n",
      "t.yaml");
  ASSERT_TRUE(r.ok()) << dump(r.errors);
  EXPECT_EQ(r.canaries[0].spec.service.targetPort, Json("8080"));
  EXPECT_EQ(r.canaries[0].spec.service.gateways[0], "1");
  EXPECT_TRUE(r.canaries[0].spec.analysis->mirror);
}

}  // namespace
}  // namespace aviary::api

namespace aviary::api {
namespace {

TEST(HpaQuantity, KubernetesQuantities) {
  const std::vector<std::pair<std::string, double>> ok = {
      {"10", 10}, {"100m", 0.1}, {"1.5k", 1500}, {"512Mi", 512.0 * 1048576}, {"2e3", 2000}, {"0.5", 0.5}, {"+3", 3}};
  for (const auto& [text, want] : ok) {
    auto q = parseQuantity(text);
    ASSERT_TRUE(q.ok()) << text;
    EXPECT_DOUBLE_EQ(*q, want) << text;
  }
  for (const char* bad : {"", "m", "10x", "1.2.3", ".", "10 m", "1e", "1e99", "Mi"}) {
    auto q = parseQuantity(bad);
    ASSERT_FALSE(q.ok()) << bad;
    EXPECT_NE(q.error().message.find("expected a quantity"), std::string::npos);
  }
}

}  // namespace
}  // namespace aviary::api
