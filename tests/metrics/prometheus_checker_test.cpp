// PrometheusChecker: metric kinds, address choice, MetricTemplate resolution, secrets, the
// messages the engine turns into Flagger events, and the availability check.
#include <gtest/gtest.h>

#include "fake_prometheus.h"
#include "metrics/prometheus_checker.h"
#include "metrics/threshold.h"

namespace aviary::metrics {
namespace {

api::Canary canary() {
  api::Canary c;
  c.metadata.name = "podinfo";
  c.metadata.namespace_ = "test";
  c.spec.targetRef = {"apps/v1", "Deployment", "podinfo", ""};
  c.spec.analysis = api::CanaryAnalysis{};
  return c;
}

api::CanaryMetric builtin(const std::string& name) {
  api::CanaryMetric m;
  m.name = name;
  m.intervalText = "1m";
  return m;
}

api::CanaryMetric templated(const std::string& name, const std::string& ns = "") {
  api::CanaryMetric m;
  m.name = "custom";
  m.templateRef = api::CrossNamespaceObjectReference{"", "", name, ns};
  return m;
}

api::MetricTemplate tmpl(const std::string& name, const std::string& ns, const std::string& address,
                         const std::string& query = "sum(rate(x{ns=\"{{ namespace }}\"}[{{ interval }}]))") {
  api::MetricTemplate t;
  t.metadata.name = name;
  t.metadata.namespace_ = ns;
  t.provider.type = "prometheus";
  t.provider.address = address;
  t.query = query;
  return t;
}

PrometheusCheckerOptions opts(const std::string& defaultAddress) {
  PrometheusCheckerOptions o;
  o.defaultAddress = defaultAddress;
  o.timeout = std::chrono::milliseconds(2000);
  return o;
}

TEST(PrometheusCheckerTest, BuiltinsUseCanaryMetricsServerElseDefault) {
  FakePrometheus fake;
  fake.respondValue("99.5");
  PrometheusChecker checker(std::vector<api::MetricTemplate>{}, nullptr, opts(fake.url()));
  auto c = canary();
  MetricAnswer a = checker.evaluate(c, builtin("request-success-rate"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Value) << a.message;
  EXPECT_DOUBLE_EQ(a.value, 99.5);
  EXPECT_EQ(a.query, fake.last().queryParam("query"));
  EXPECT_NE(a.query.find("destination_workload=~\"podinfo\""), std::string::npos);

  c.spec.metricsServer = "http://127.0.0.1:1";  // nothing listens on port 1
  a = checker.evaluate(c, builtin("request-success-rate"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  EXPECT_EQ(a.message.rfind("running query failed: Prometheus at http://127.0.0.1:1 is unreachable", 0), 0u)
      << a.message;
}

TEST(PrometheusCheckerTest, DurationIsTruncatedToWholeMilliseconds) {
  FakePrometheus fake;
  fake.respondValue("234.97");
  PrometheusChecker checker(std::vector<api::MetricTemplate>{}, nullptr, opts(fake.url()));
  MetricAnswer a = checker.evaluate(canary(), builtin("request-duration"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Value) << a.message;
  EXPECT_DOUBLE_EQ(a.value, 234);
}

TEST(PrometheusCheckerTest, NoValuesMessagesPerKind) {
  FakePrometheus fake;
  fake.respond(200, R"({"status":"success","data":{"resultType":"vector","result":[]}})");
  PrometheusChecker checker({tmpl("t", "test", fake.url())}, nullptr, opts(fake.url()));
  MetricAnswer a = checker.evaluate(canary(), builtin("request-success-rate"));
  EXPECT_EQ(a.kind, MetricAnswer::Kind::NoValues);
  EXPECT_EQ(a.message, "running query failed: no values found");
  a = checker.evaluate(canary(), templated("t"));
  EXPECT_EQ(a.kind, MetricAnswer::Kind::NoValues);
  EXPECT_EQ(a.message, "no values found");
}

TEST(PrometheusCheckerTest, TemplateResolutionDefaultsToCanaryNamespace) {
  FakePrometheus fake;
  fake.respondValue("3");
  PrometheusChecker checker({tmpl("t", "other", "http://127.0.0.1:1"), tmpl("t", "test", fake.url())}, nullptr,
                            opts("http://127.0.0.1:1"));
  auto m = templated("t");
  m.templateVariables = {{"k", "v"}};
  MetricAnswer a = checker.evaluate(canary(), m);
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Value) << a.message;
  EXPECT_EQ(a.query, "sum(rate(x{ns=\"test\"}[1m]))");  // interval defaults to 1m for templates too

  a = checker.evaluate(canary(), templated("missing", "istio-system"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  EXPECT_EQ(a.message.rfind("Metric template missing.istio-system error: metrictemplate.flagger.app \"missing\" not "
                            "found in namespace istio-system (loaded templates: t.other, t.test)",
                            0),
            0u)
      << a.message;
}

TEST(PrometheusCheckerTest, TemplateErrorsAreFullyWorded) {
  FakePrometheus fake;
  auto bad = tmpl("bad", "test", fake.url(), "{{ variables.code }}");
  auto dd = tmpl("dd", "test", fake.url());
  dd.provider.type = "datadog";
  auto noaddr = tmpl("noaddr", "test", "not a url");
  PrometheusChecker checker({bad, dd, noaddr}, nullptr, opts(fake.url()));
  EXPECT_EQ(checker.evaluate(canary(), templated("bad")).message,
            "Metric template bad.test query render error: template execution failed: line 1: map has no entry for key "
            "\"code\" (templateVariables has: none: templateVariables is empty)");
  EXPECT_NE(
      checker.evaluate(canary(), templated("dd")).message.find("Metric template dd.test provider datadog error: "),
      std::string::npos);
  EXPECT_EQ(checker.evaluate(canary(), templated("noaddr")).message,
            "Metric template noaddr.test provider prometheus error: prometheus address not a url is not a valid URL");
}

TEST(PrometheusCheckerTest, SecretRefCredentialsFromTheTemplateNamespace) {
  FakePrometheus fake;
  fake.respondValue("1");
  auto t = tmpl("auth", "istio-system", fake.url());
  t.provider.secretRefName = "prom-auth";
  auto secrets = std::make_shared<MapSecretSource>(
      std::map<std::string, SecretData>{{"istio-system/prom-auth", {{"token", "abc"}}}});
  PrometheusChecker checker({t}, secrets, opts(fake.url()));
  MetricAnswer a = checker.evaluate(canary(), templated("auth", "istio-system"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Value) << a.message;
  EXPECT_EQ(fake.last().header("authorization"), "Bearer abc");

  PrometheusChecker noSecrets({t}, std::make_shared<MapSecretSource>(std::map<std::string, SecretData>{}),
                              opts(fake.url()));
  EXPECT_EQ(noSecrets.evaluate(canary(), templated("auth", "istio-system")).message,
            "Metric template auth.istio-system secret prom-auth error: secret istio-system/prom-auth not found");
  PrometheusChecker nullSecrets({t}, nullptr, opts(fake.url()));
  EXPECT_NE(nullSecrets.evaluate(canary(), templated("auth", "istio-system")).message.find("no secret source"),
            std::string::npos);
}

TEST(PrometheusCheckerTest, QueryFailureOfATemplateIsTheProviderText) {
  FakePrometheus fake;
  fake.respond(422, R"({"status":"error","errorType":"execution","error":"many-to-many matching not allowed"})");
  PrometheusChecker checker({tmpl("t", "test", fake.url())}, nullptr, opts(fake.url()));
  MetricAnswer a = checker.evaluate(canary(), templated("t"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  // The engine prefixes "Metric query failed for custom: ".
  EXPECT_EQ(a.message, "error response: Status 422 Unprocessable Entity: execution: many-to-many matching not allowed");
}

TEST(PrometheusCheckerTest, OverrideAddressWinsEverywhere) {
  FakePrometheus fake;
  fake.respondValue("7");
  auto o = opts("http://127.0.0.1:1");
  o.overrideAddress = fake.url();
  PrometheusChecker checker({tmpl("t", "test", "http://prometheus.istio-system:9090")}, nullptr, o);
  auto c = canary();
  c.spec.metricsServer = "http://127.0.0.1:1";
  EXPECT_EQ(checker.evaluate(c, templated("t")).kind, MetricAnswer::Kind::Value);
  EXPECT_EQ(checker.evaluate(c, builtin("request-duration")).kind, MetricAnswer::Kind::Value);
}

TEST(PrometheusCheckerTest, InlineQueryAndInvalidMetric) {
  FakePrometheus fake;
  fake.respondValue("0.5");
  PrometheusChecker checker(std::vector<api::MetricTemplate>{}, nullptr, opts(fake.url()));
  api::CanaryMetric m;
  m.name = "request-success-rate";  // an in-line query wins over the builtin name
  m.query = "sum(x{ns=\"{{ namespace }}\"})";
  MetricAnswer a = checker.evaluate(canary(), m);
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Value) << a.message;
  EXPECT_EQ(a.query, "sum(x{ns=\"test\"})");
  api::CanaryMetric invalid;
  invalid.name = "whatever";
  EXPECT_EQ(checker.evaluate(canary(), invalid).message, "no usable metrics template and query were configured");
}

TEST(PrometheusCheckerTest, BuiltinsForOtherObserversAreRejected) {
  FakePrometheus fake;
  PrometheusChecker checker(std::vector<api::MetricTemplate>{}, nullptr, opts(fake.url()));
  auto c = canary();
  c.spec.provider = "linkerd";
  MetricAnswer a = checker.evaluate(c, builtin("request-success-rate"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  EXPECT_NE(a.message.find("builtin metrics for provider \"linkerd\" are not implemented"), std::string::npos);
  c.spec.provider = "smi:v1alpha3";  // Flagger sends these to the Istio observer
  EXPECT_TRUE(checker.prepare(c, builtin("request-success-rate")).ok());
}

TEST(PrometheusCheckerTest, CheckProviders) {
  FakePrometheus fake;
  auto c = canary();
  c.spec.analysis->metrics = {builtin("request-success-rate"), templated("t")};
  PrometheusChecker ok({tmpl("t", "test", fake.url())}, nullptr, opts(fake.url()));
  EXPECT_TRUE(ok.checkProviders(c).ok());

  PrometheusChecker down({tmpl("t", "test", fake.url())}, nullptr, opts("http://127.0.0.1:1"));
  auto st = down.checkProviders(c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.rfind("prometheus not available: running query failed: Prometheus at "
                                     "http://127.0.0.1:1 is unreachable",
                                     0),
            0u)
      << st.error().message;

  c.spec.analysis->metrics = {templated("t")};
  PrometheusChecker tdown({tmpl("t", "test", "http://127.0.0.1:1")}, nullptr, opts(fake.url()));
  st = tdown.checkProviders(c);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message.rfind("prometheus in metric template t.test not available: running query failed: ", 0),
            0u)
      << st.error().message;
  c.spec.analysis->metrics = {templated("absent")};
  EXPECT_EQ(ok.checkProviders(c).error().message.rfind("metric template absent.test error: ", 0), 0u);
}

TEST(ThresholdTest, FlaggerComparisons) {
  api::CanaryMetric m;
  m.thresholdRange = api::ThresholdRange{99.0, std::nullopt};
  EXPECT_TRUE(checkThreshold(MetricKind::SuccessRate, m, 99).pass);  // bounds are inclusive
  EXPECT_FALSE(checkThreshold(MetricKind::SuccessRate, m, 98).pass);
  EXPECT_EQ(checkThreshold(MetricKind::SuccessRate, m, 98).detail, "98.00 < min 99");
  m.thresholdRange = api::ThresholdRange{std::nullopt, 500.0};
  EXPECT_TRUE(checkThreshold(MetricKind::Duration, m, 500.9).pass);  // truncated to 500 ms
  EXPECT_FALSE(checkThreshold(MetricKind::Duration, m, 501).pass);
  api::CanaryMetric legacy;
  legacy.threshold = 99;
  EXPECT_FALSE(checkThreshold(MetricKind::SuccessRate, legacy, 98).pass);  // a minimum
  EXPECT_TRUE(checkThreshold(MetricKind::Query, legacy, 98).pass);         // a maximum
  EXPECT_FALSE(checkThreshold(MetricKind::Duration, api::CanaryMetric{}, 1).pass);
}

}  // namespace
}  // namespace aviary::metrics
