// The PromQL parser: the subset parses (precedence and associativity as in Prometheus), type
// errors and syntax errors read like Prometheus's, and constructs outside the subset name
// themselves and point at --metrics-server.
#include <gtest/gtest.h>

#include <cmath>

#include "promql/engine.h"
#include "promql/parser.h"

namespace aviary::promql {
namespace {

class EmptyStorage : public Queryable {
 public:
  std::vector<Series> select(const Matchers&, Millis, Millis) const override { return {}; }
};

double scalarOf(std::string_view q) {
  EmptyStorage storage;
  auto v = query(q, storage, 0);
  EXPECT_TRUE(v.ok()) << q << ": " << (v.ok() ? "" : v.error().message);
  if (!v.ok()) return -12345;
  EXPECT_EQ(v->type, ValueType::Scalar) << q;
  return v->scalar;
}

std::string errorOf(std::string_view q) {
  auto e = parse(q);
  EXPECT_FALSE(e.ok()) << q;
  return e.ok() ? "" : e.error().message;
}

TEST(PromqlParser, FlaggerBuiltinQueriesParse) {
  const char* queries[] = {
      R"( sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" }[1m] ) ) * 100)",
      R"( histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" }[1m] ) ) by (le) ))",
      "sum by (le) (rate(x_bucket[5m] offset 1m))",
      "sum without (instance, pod) (x)",
      "a / on(job) b",
      "a > bool ignoring(code) b",
  };
  for (const char* q : queries) {
    auto e = parse(q);
    EXPECT_TRUE(e.ok()) << q << ": " << (e.ok() ? "" : e.error().message);
  }
}

TEST(PromqlParser, PrecedenceAndAssociativity) {
  EXPECT_EQ(scalarOf("1 + 2 * 3"), 7);
  EXPECT_EQ(scalarOf("-2 ^ 2"), -4);
  EXPECT_EQ(scalarOf("2 ^ 3 ^ 2"), 512);
  EXPECT_EQ(scalarOf("10 - 4 - 3"), 3);
  EXPECT_EQ(scalarOf("2 * -3"), -6);
  EXPECT_EQ(scalarOf("(1 + 2) * 3"), 9);
  EXPECT_EQ(scalarOf("7 % 4"), 3);
  EXPECT_EQ(scalarOf("1 < bool 2"), 1);
  EXPECT_EQ(scalarOf("0x10 + 1e1"), 26);
  EXPECT_TRUE(std::isnan(scalarOf("NaN")));
  EXPECT_EQ(scalarOf("-Inf"), -INFINITY);
  EXPECT_EQ(scalarOf("1 # a comment\n + 1"), 2);
}

TEST(PromqlParser, UnsupportedConstructsNameThemselves) {
  struct Case {
    const char* query;
    const char* construct;
  };
  const Case cases[] = {
      {"rate(x[5m:1m])", "a subquery"},
      {"x @ 100", "the @ modifier"},
      {"a and b", "the \"and\" operator"},
      {"a or b", "the \"or\" operator"},
      {"a unless b", "the \"unless\" operator"},
      {"a * on(job) group_left b", "many-to-one matching (\"group_left\")"},
      {"topk(3, x)", "the \"topk\" aggregation"},
      {"quantile(0.9, x)", "the \"quantile\" aggregation"},
      {"label_replace(x, \"a\", \"b\", \"c\", \"d\")", "the function \"label_replace\""},
      {"delta(x[5m])", "the function \"delta\""},
  };
  for (const auto& c : cases) {
    std::string msg = errorOf(c.query);
    EXPECT_NE(msg.find(c.construct), std::string::npos) << c.query << " → " << msg;
    EXPECT_NE(msg.find("use --metrics-server with a real Prometheus"), std::string::npos) << msg;
    EXPECT_NE(msg.find("parse error"), std::string::npos) << msg;
  }
}

TEST(PromqlParser, ErrorsReadLikePrometheus) {
  EXPECT_EQ(errorOf("rate(x)"), "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector");
  EXPECT_EQ(errorOf("foo(x)"), "1:1: parse error: unknown function with name \"foo\"");
  EXPECT_EQ(errorOf("{}"), "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(errorOf("{a=~\".*\"}"), "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(errorOf("1 > 2"), "1:3: parse error: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(errorOf("sum(x"), "1:6: parse error: unexpected end of input, expected \")\"");
  EXPECT_EQ(errorOf("x{a=\"b\""), "1:8: parse error: unexpected end of input in label matching, expected \",\" or \"}\"");
  EXPECT_EQ(errorOf("1 + \"s\""), "1:3: parse error: binary expression must contain only scalar and instant vector types");
  EXPECT_EQ(errorOf("x[5m] + 1"), "1:7: parse error: binary expression must contain only scalar and instant vector types");
  EXPECT_EQ(errorOf("1 + on(a) x"), "1:3: parse error: vector matching only allowed between instant vectors");
  EXPECT_EQ(errorOf("histogram_quantile(0.9)"), "1:1: parse error: expected 2 argument(s) in call to \"histogram_quantile\", got 1");
  EXPECT_EQ(errorOf("x[5x]"), "parse error at char 4: bad number or duration syntax: \"5x\"");
  EXPECT_NE(errorOf("x{a=~\"(\"}").find("invalid regular expression"), std::string::npos);
  EXPECT_EQ(errorOf("\n  sum(x) by"), "2:12: parse error: unexpected end of input, expected \"(\"");
  EXPECT_EQ(errorOf("x{__name__=\"y\"}"), "1:3: parse error: metric name must not be set twice: \"x\" or \"y\"");
  EXPECT_EQ(errorOf("sum(x[1m])"), "1:5: parse error: expected type instant vector in aggregation expression, got range vector");
}

TEST(PromqlParser, Durations) {
  EXPECT_EQ(*parsePromDuration("1h30m"), 5400000);
  EXPECT_EQ(*parsePromDuration("100ms"), 100);
  EXPECT_EQ(*parsePromDuration("1y"), 365LL * 86400000);
  EXPECT_EQ(*parsePromDuration("2w1d"), 15LL * 86400000);
  EXPECT_FALSE(parsePromDuration("30m1h").ok());
  EXPECT_FALSE(parsePromDuration("1.5h").ok());
  EXPECT_FALSE(parsePromDuration("").ok());
}

TEST(PromqlParser, StringsAndEscapes) {
  auto e = parse(R"(x{a="q\"\n\u00e9", b='s', c=`raw\n`})");
  ASSERT_TRUE(e.ok()) << e.error().message;
  const auto& m = (*e)->matchers;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[1].value(), "q\"\n\xc3\xa9");
  EXPECT_EQ(m[2].value(), "s");
  EXPECT_EQ(m[3].value(), "raw\\n");
  EXPECT_FALSE(parse(R"(x{a="\q"})").ok());
  EXPECT_FALSE(parse(R"(x{a="open})").ok());
}

}  // namespace
}  // namespace aviary::promql
