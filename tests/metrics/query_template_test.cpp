// The Go text/template subset and the golden rendering of the builtin Istio queries and the
// seed's 404 MetricTemplate for the seed's Canaries.
#include <gtest/gtest.h>

#include "api/decode.h"
#include "metrics/builtin_queries.h"
#include "metrics/prometheus_checker.h"
#include "metrics/query_template.h"
#include "seed_fixture.h"

namespace aviary::metrics {
namespace {

QueryModel model() {
  QueryModel m;
  m.name = "podinfo";
  m.namespace_ = "test";
  m.target = "podinfo";
  m.service = "podinfo-svc";
  m.ingress = "podinfo-ing";
  m.route = "podinfo-route";
  m.interval = "1m";
  m.variables = {{"code", "404"}, {"job-name", "web"}};
  return m;
}

std::string render(std::string_view text) {
  auto r = renderQuery(text, model());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : "<error>";
}

std::string renderError(std::string_view text) {
  auto r = renderQuery(text, model());
  EXPECT_FALSE(r.ok()) << "rendered: " << (r.ok() ? *r : "");
  return r.ok() ? "" : r.error().message;
}

TEST(QueryTemplateTest, ModelFunctionsWithEverySpacing) {
  EXPECT_EQ(render("{{ name }}/{{namespace}}/{{  target  }}/{{\tservice\t}}/{{ ingress}}/{{route }}/{{ interval }}"),
            "podinfo/test/podinfo/podinfo-svc/podinfo-ing/podinfo-route/1m");
}

TEST(QueryTemplateTest, VariablesKeyAndIndex) {
  EXPECT_EQ(render("code=\"{{ variables.code }}\""), "code=\"404\"");
  EXPECT_EQ(render("{{variables.code}}"), "404");
  EXPECT_EQ(render("{{ index variables \"job-name\" }}"), "web");
  EXPECT_EQ(render("{{ index variables \"absent\" }}"), "");  // Go's index yields the zero value
}

TEST(QueryTemplateTest, TrimMarkersEatAdjacentWhitespace) {
  EXPECT_EQ(render("a  \n {{- name -}} \n\t b"), "apodinfob");
  EXPECT_EQ(render("a {{- name }} b"), "apodinfo b");
  EXPECT_EQ(render("a {{ name -}} b"), "a podinfob");
  // Without the space, "-3" is a number, not a trim marker.
  EXPECT_EQ(render("a {{-3}} b"), "a -3 b");
}

TEST(QueryTemplateTest, CommentsRenderNothing) {
  EXPECT_EQ(render("x{{/* a comment }} with braces */}}y"), "xy");
  EXPECT_EQ(render("x {{- /* trimmed */ -}} y"), "xy");
}

TEST(QueryTemplateTest, PrintfPrintPipesAndParens) {
  EXPECT_EQ(render("{{ printf \"%s-%s\" namespace target }}"), "test-podinfo");
  EXPECT_EQ(render("{{ target | printf \"%s-canary\" }}"), "podinfo-canary");
  EXPECT_EQ(render("{{ printf \"%d%%\" 5 }}"), "5%");
  EXPECT_EQ(render("{{ printf \"%q\" (variables.code) }}"), "\"404\"");
  EXPECT_EQ(render("{{ print 1 2 }}"), "1 2");
  EXPECT_EQ(render("{{ len variables }}"), "2");
  EXPECT_EQ(render("{{ \"literal\" }}"), "literal");
  EXPECT_EQ(render("{{ printf `%s}}` name }}"), "podinfo}}");
}

TEST(QueryTemplateTest, UnknownFunctionNamesItAndListsKnownOnes) {
  std::string e = renderError("sum(x)\n{{ namespace }}\n{{ canary }}");
  EXPECT_NE(e.find("template parsing failed: line 3: function \"canary\" not defined"), std::string::npos) << e;
  EXPECT_NE(e.find("known: name, namespace, target, service, ingress, route, interval, variables"), std::string::npos)
      << e;
}

TEST(QueryTemplateTest, ParseErrorsWinOverExecutionErrors) {
  // Go parses the whole template first.
  std::string e = renderError("{{ variables.missing }} {{ nope }}");
  EXPECT_NE(e.find("function \"nope\" not defined"), std::string::npos) << e;
}

TEST(QueryTemplateTest, MissingVariableIsAnErrorListingTheKeys) {
  std::string e = renderError("{{ variables.missing }}");
  EXPECT_NE(e.find("template execution failed: line 1: map has no entry for key \"missing\""), std::string::npos) << e;
  EXPECT_NE(e.find("code, job-name"), std::string::npos) << e;
}

TEST(QueryTemplateTest, UnsupportedFormsAreClearErrors) {
  EXPECT_NE(renderError("{{ .Name }}").find("field access on the data"), std::string::npos);
  EXPECT_NE(renderError("{{ if name }}x{{ end }}").find("\"if\" is not supported"), std::string::npos);
  EXPECT_NE(renderError("{{ $x := name }}").find("($x) are not supported"), std::string::npos);
  EXPECT_NE(renderError("{{ name ").find("unclosed action"), std::string::npos);
  EXPECT_NE(renderError("{{ name \"extra\" }}").find("wrong number of args for name: want 0 got 1"), std::string::npos);
  EXPECT_NE(renderError("{{ target.x }}").find("can't evaluate field x in type string"), std::string::npos);
  EXPECT_NE(renderError("{{ \"abc }}").find("unclosed action"), std::string::npos);
}

TEST(QueryTemplateTest, TextWithoutActionsIsUnchanged) {
  EXPECT_EQ(render(""), "");
  EXPECT_EQ(render("up{job=\"x\"} { } }"), "up{job=\"x\"} { } }");
}

TEST(CollapseWhitespaceTest, RunsBecomeOneSpace) {
  EXPECT_EQ(collapseWhitespace("\n\tsum(\n\t\tx) \n\t/ \n\t1"), " sum( x) / 1");
  EXPECT_EQ(collapseWhitespace("a\r\n\fb  "), "a b ");
}

TEST(QueryModelTest, DefaultsFollowFlagger) {
  api::Canary c;
  c.metadata.name = "podinfo";
  c.spec.targetRef.name = "app";
  api::CanaryMetric m;
  QueryModel qm = makeQueryModel(c, m);
  EXPECT_EQ(qm.namespace_, "default");
  EXPECT_EQ(qm.service, "app");
  EXPECT_EQ(qm.ingress, "app");
  EXPECT_EQ(qm.route, "app");
  EXPECT_EQ(qm.interval, "1m");
  c.spec.service.name = "svc";
  c.spec.ingressRef = api::CrossNamespaceObjectReference{"", "", "ing", ""};
  m.intervalText = "30s";
  qm = makeQueryModel(c, m);
  EXPECT_EQ(qm.service, "svc");
  EXPECT_EQ(qm.ingress, "ing");
  EXPECT_EQ(qm.interval, "30s");
}

// ---- golden: the seed ------------------------------------------------------------------------

constexpr const char* kGoldenSuccessRate =
    " sum( rate( istio_requests_total{ reporter=\"destination\", destination_workload_namespace=\"test\", "
    "destination_workload=~\"podinfo\", response_code!~\"5.*\" }[1m] ) ) / sum( rate( istio_requests_total{ "
    "reporter=\"destination\", destination_workload_namespace=\"test\", destination_workload=~\"podinfo\" }[1m] ) ) "
    "* 100";
constexpr const char* kGoldenDuration =
    " histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter=\"destination\", "
    "destination_workload_namespace=\"test\", destination_workload=~\"podinfo\" }[30s] ) ) by (le) )";
constexpr const char* kGolden404 =
    "100 - sum( rate( istio_requests_total{ reporter=\"destination\", destination_workload_namespace=\"test\", "
    "destination_workload=\"podinfo\", response_code!=\"404\" }[1m] ) ) / sum( rate( istio_requests_total{ "
    "reporter=\"destination\", destination_workload_namespace=\"test\", destination_workload=\"podinfo\" }[1m] ) ) "
    "* 100 ";

TEST(GoldenRenderingTest, BuiltinTemplatesCollapseToFlaggersWireForm) {
  // flagger-integration.md §4.2: the strings on the wire, before URL-encoding.
  EXPECT_EQ(collapseWhitespace(kIstioRequestSuccessRateQuery),
            " sum( rate( istio_requests_total{ reporter=\"destination\", destination_workload_namespace=\"{{ namespace "
            "}}\", destination_workload=~\"{{ target }}\", response_code!~\"5.*\" }[{{ interval }}] ) ) / sum( rate( "
            "istio_requests_total{ reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", "
            "destination_workload=~\"{{ target }}\" }[{{ interval }}] ) ) * 100");
  EXPECT_EQ(collapseWhitespace(kIstioRequestDurationQuery),
            " histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ "
            "reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", destination_workload=~\"{{ "
            "target }}\" }[{{ interval }}] ) ) by (le) )");
}

TEST(GoldenRenderingTest, SeedCanaryBuiltins) {
  auto seed = loadSeed("podinfo-canary.yaml");
  ASSERT_EQ(seed.canaries.size(), 1u);
  const auto& canary = seed.canaries[0];
  PrometheusChecker checker(std::vector<api::MetricTemplate>{}, nullptr, {});
  auto sr = checker.prepare(canary, metricNamed(canary, "request-success-rate"));
  ASSERT_TRUE(sr.ok()) << sr.error().message;
  EXPECT_EQ(sr->query, kGoldenSuccessRate);
  EXPECT_EQ(sr->kind, MetricKind::SuccessRate);
  EXPECT_EQ(sr->provider.address, "http://prometheus:9090");
  auto du = checker.prepare(canary, metricNamed(canary, "request-duration"));
  ASSERT_TRUE(du.ok()) << du.error().message;
  EXPECT_EQ(du->query, kGoldenDuration);
}

TEST(GoldenRenderingTest, Seed404TemplateForTheSeedCanary) {
  auto canaries = loadSeed("podinfo-canary-404.yaml");
  auto templates = loadSeed("metrics-404.yaml");
  ASSERT_EQ(canaries.canaries.size(), 1u);
  ASSERT_EQ(templates.templates.size(), 1u);
  const auto& canary = canaries.canaries[0];
  PrometheusChecker checker(templates.templates, nullptr, {});
  auto p = checker.prepare(canary, metricNamed(canary, "404s percentage"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->query, kGolden404);
  EXPECT_EQ(p->kind, MetricKind::Template);
  EXPECT_EQ(p->provider.address, "http://prometheus.istio-system:9090");  // the template's own address
  EXPECT_EQ(p->source, "template not-found-percentage.istio-system");
}

TEST(GoldenRenderingTest, WireUrlIsGoQueryEscaped) {
  PrometheusOptions o;
  o.address = "http://prometheus.istio-system:9090/prefix/?ignored=1";
  auto client = PrometheusClient::create(o);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(client->queryUrl("vector(1)"),
            "http://prometheus.istio-system:9090/prefix/api/v1/query?query=vector%281%29");
  EXPECT_EQ(client->queryUrl(" sum(x{a=~\"5.*\"}[1m]) * 100"),
            "http://prometheus.istio-system:9090/prefix/api/v1/"
            "query?query=+sum%28x%7Ba%3D~%225.%2A%22%7D%5B1m%5D%29+%2A+100");
}

}  // namespace
}  // namespace aviary::metrics

namespace aviary::metrics {
namespace {

// Found by fuzz_query_template: deep nesting overflowed the stack; invalid UTF-8 aborted fmt.
TEST(QueryTemplateTest, DeepParenthesesAreAnErrorNotACrash) {
  std::string deep = "{{ " + std::string(100000, '(') + "name" + std::string(100000, ')') + " }}";
  auto r = renderQuery(deep, model());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("parentheses nested deeper than 64"), std::string::npos) << r.error().message;
  EXPECT_EQ(render("{{ (((name))) }}"), "podinfo");
}

TEST(QueryTemplateTest, InvalidUtf8InErrorsIsEscaped) {
  EXPECT_NE(renderError("{{ \xD4\xD4 }}").find("unexpected \"\\xd4\" in command"), std::string::npos);
}

}  // namespace
}  // namespace aviary::metrics
