// The text exposition parser: Prometheus's format as /metrics and Envoy's /stats/prometheus
// write it, and clear errors for what Prometheus would reject.
#include <gtest/gtest.h>

#include <cmath>

#include "tsdb/exposition.h"

namespace aviary::tsdb {
namespace {

TEST(Exposition, ParsesTheFormat) {
  auto r = parseExposition(
      "# HELP x_total A counter.\n# TYPE x_total counter\n"
      "x_total{code=\"200\",path=\"/a \\\"b\\\"\\n\\\\\",} 12.5 1700000000123\n"
      "\n   up 1\r\n"
      "g{a=\"1\"} NaN\nh +Inf\ni -Inf\nj 1e-3\nk{ a = \"x\" } 7\n# a comment\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 7u);
  const auto& x = (*r)[0];
  EXPECT_EQ(promql::labelValue(x.labels, "__name__"), "x_total");
  EXPECT_EQ(promql::labelValue(x.labels, "path"), "/a \"b\"\n\\");
  EXPECT_EQ(x.value, 12.5);
  ASSERT_TRUE(x.timestamp.has_value());
  EXPECT_EQ(*x.timestamp, 1700000000123);
  EXPECT_FALSE((*r)[1].timestamp.has_value());
  EXPECT_TRUE(std::isnan((*r)[2].value));
  EXPECT_EQ((*r)[3].value, INFINITY);
  EXPECT_EQ((*r)[4].value, -INFINITY);
  EXPECT_EQ((*r)[5].value, 0.001);
  EXPECT_EQ(promql::labelValue((*r)[6].labels, "a"), "x");
}

TEST(Exposition, ErrorsNameTheLineAndWhatWasExpected) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"ok 1\n1bad 2\n", "line 2: expected metric name, found \"1bad 2\""},
      {"x{a=1} 2\n", "line 1: expected '\"' starting a label value, found \"1} 2\""},
      {"x{a=\"1\" 2\n", "line 1: expected ',' or '}' in label list, found \"2\""},
      {"x{a=\"1} 2\n", "line 1: expected '\"' ending the label value, found end of line"},
      {"x abc\n", "line 1: expected a float value, found end of line"},
      {"x 1 1.5\n", "line 1: expected an integer timestamp (ms), found end of line"},
      {"x 1 2 3\n", "line 1: expected end of line, found \"3\""},
      {"x{a=\"1\",a=\"2\"} 1\n", "line 1: expected labels with distinct names, found \"} 1\""},
      {"x{a=\"\\t\"} 1\n", "line 1: expected escape \\\\, \\\" or \\n in label value, found \"\"} 1\""},
  };
  for (const auto& c : cases) {
    auto r = parseExposition(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().message, c.message) << c.body;
  }
}

TEST(Exposition, GoFloatSpellings) {
  double v = 0;
  EXPECT_TRUE(parseGoFloat("+Inf", v));
  EXPECT_TRUE(parseGoFloat("-1.5e3", v));
  EXPECT_EQ(v, -1500);
  EXPECT_TRUE(parseGoFloat(".5", v));
  EXPECT_FALSE(parseGoFloat("", v));
  EXPECT_FALSE(parseGoFloat("1x", v));
  EXPECT_FALSE(parseGoFloat("0x10", v));
  EXPECT_FALSE(parseGoFloat("1e999", v));
}

}  // namespace
}  // namespace aviary::tsdb
