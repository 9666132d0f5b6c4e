// The evaluator's semantics over fixed series: extrapolated rate/increase with counter resets,
// irate, lookback and staleness, histogram_quantile's bucket handling, vector matching, name
// dropping, aggregation grouping, and Prometheus's number formatting. Expected values are worked
// out by hand from Prometheus 2.42's definitions (promql/functions.go, engine.go).
#include <gtest/gtest.h>

#include <cmath>

#include "promql/engine.h"
#include "promql/functions.h"

namespace aviary::promql {
namespace {

constexpr Millis kS = 1000;

class FixedStorage : public Queryable {
 public:
  void add(Labels labels, std::vector<Sample> samples) { series_.push_back({normalizeLabels(std::move(labels)), std::move(samples)}); }
  std::vector<Series> select(const Matchers& matchers, Millis mint, Millis maxt) const override {
    std::vector<Series> out;
    for (const auto& s : series_) {
      if (!matchesAll(matchers, s.labels)) continue;
      Series copy{s.labels, {}};
      for (const auto& x : s.samples) {
        if (x.t >= mint && x.t <= maxt) copy.samples.push_back(x);
      }
      if (!copy.samples.empty()) out.push_back(std::move(copy));
    }
    return out;
  }

 private:
  std::vector<Series> series_;
};

Labels L(std::initializer_list<std::pair<const char*, const char*>> kv) {
  Labels out;
  for (const auto& [k, v] : kv) out.push_back({k, v});
  return normalizeLabels(out);
}

class EngineTest : public ::testing::Test {
 protected:
  Value eval(std::string_view q, Millis t) {
    auto v = query(q, storage_, t);
    EXPECT_TRUE(v.ok()) << q << ": " << (v.ok() ? "" : v.error().message);
    return v.ok() ? *v : Value{};
  }
  double single(std::string_view q, Millis t) {
    Value v = eval(q, t);
    if (v.type == ValueType::Scalar) return v.scalar;
    EXPECT_EQ(v.vector.size(), 1u) << q;
    return v.vector.empty() ? -12345 : v.vector[0].v;
  }
  std::string execError(std::string_view q, Millis t) {
    QueryPhase phase = QueryPhase::Parse;
    auto v = query(q, storage_, t, &phase);
    EXPECT_FALSE(v.ok()) << q;
    EXPECT_EQ(phase, QueryPhase::Execute) << q;
    return v.ok() ? "" : v.error().message;
  }
  FixedStorage storage_;
};

TEST_F(EngineTest, RateOverAFullWindowIsExact) {
  storage_.add(L({{"__name__", "c"}}), {{0, 0}, {15 * kS, 15}, {30 * kS, 30}, {45 * kS, 45}, {60 * kS, 60}});
  EXPECT_DOUBLE_EQ(single("rate(c[1m])", 60 * kS), 1.0);
  EXPECT_DOUBLE_EQ(single("increase(c[1m])", 60 * kS), 60.0);
  EXPECT_DOUBLE_EQ(single("irate(c[1m])", 60 * kS), 1.0);
  EXPECT_DOUBLE_EQ(single("rate(c[30s] offset 30s)", 60 * kS), 1.0);
  // __name__ is dropped by rate.
  EXPECT_TRUE(eval("rate(c[1m])", 60 * kS).vector[0].labels.empty());
}

TEST_F(EngineTest, ExtrapolationAndCounterResets) {
  // Samples 10 s apart inside a 50 s window, 10 s from each edge: extrapolated to the edges.
  storage_.add(L({{"__name__", "a"}}), {{10 * kS, 10}, {20 * kS, 20}, {30 * kS, 30}, {40 * kS, 40}});
  EXPECT_DOUBLE_EQ(single("increase(a[50s])", 50 * kS), 30.0 * 50 / 30);
  // A reset (20 → 5) adds the value before it: 15 - 10 + 20 = 25.
  storage_.add(L({{"__name__", "r"}}), {{0, 10}, {10 * kS, 20}, {20 * kS, 5}, {30 * kS, 15}});
  EXPECT_DOUBLE_EQ(single("increase(r[30s])", 30 * kS), 25.0);
  EXPECT_DOUBLE_EQ(single("irate(r[30s])", 30 * kS), 1.0);
  // Far from the edges (gap > 1.1 × average interval): half an interval is added on each side.
  storage_.add(L({{"__name__", "g"}}), {{100 * kS, 0}, {110 * kS, 10}});
  // durationToZero (0) < start gap, so the start extrapolates to 0; end adds half an interval.
  EXPECT_DOUBLE_EQ(single("increase(g[60s])", 150 * kS), 10.0 * (10 + 0 + 5) / 10);
  // One sample in the window: no result.
  EXPECT_TRUE(eval("rate(g[5s])", 111 * kS).vector.empty());
}

TEST_F(EngineTest, LookbackAndStaleness) {
  storage_.add(L({{"__name__", "x"}, {"a", "1"}}), {{0, 1}, {10 * kS, 2}});
  storage_.add(L({{"__name__", "x"}, {"a", "2"}}), {{0, 5}, {10 * kS, staleNaN()}});
  auto v = eval("x", 20 * kS);
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(v.vector[0].v, 2);
  EXPECT_EQ(v.vector[0].labels, L({{"__name__", "x"}, {"a", "1"}}));
  // The lookback window is [t - 5m, t], both ends included (Prometheus 2.x).
  EXPECT_EQ(eval("x", 310 * kS).vector.size(), 1u);
  EXPECT_TRUE(eval("x", 310 * kS + 1).vector.empty());
  // Before the marker the series is there; range selectors drop markers.
  EXPECT_EQ(eval("x", 5 * kS).vector.size(), 2u);
  EXPECT_EQ(single("count_over_time(x{a=\"2\"}[1m])", 20 * kS), 1);
}

TEST_F(EngineTest, HistogramQuantile) {
  EXPECT_DOUBLE_EQ(bucketQuantile(0.99, {{25, 40}, {50, 80}, {100, 90}, {250, 100}, {INFINITY, 100}}), 235);
  EXPECT_DOUBLE_EQ(bucketQuantile(0.5, {{INFINITY, 100}, {50, 80}, {25, 40}}), 25 + 25 * (10.0 / 40));
  EXPECT_TRUE(std::isnan(bucketQuantile(0.5, {{25, 40}, {50, 80}})));              // no +Inf
  EXPECT_TRUE(std::isnan(bucketQuantile(0.5, {{25, 0}, {INFINITY, 0}})));          // no observations
  EXPECT_EQ(bucketQuantile(1.5, {{25, 1}, {INFINITY, 1}}), INFINITY);
  EXPECT_EQ(bucketQuantile(-1, {{25, 1}, {INFINITY, 1}}), -INFINITY);
  EXPECT_EQ(bucketQuantile(0.99, {{25, 50}, {50, 50}, {INFINITY, 100}}), 50);      // in +Inf: the last finite bound
  // Non-monotonic counts are raised to the running maximum: 50 → 40 becomes 50.
  EXPECT_DOUBLE_EQ(bucketQuantile(0.5, {{10, 50}, {20, 40}, {INFINITY, 100}}), 10);
  // Equal bounds are merged.
  EXPECT_DOUBLE_EQ(bucketQuantile(0.5, {{10, 25}, {10, 25}, {INFINITY, 100}}), 10);

  storage_.add(L({{"__name__", "h_bucket"}, {"le", "1"}, {"job", "j"}}), {{0, 5}});
  storage_.add(L({{"__name__", "h_bucket"}, {"le", "+Inf"}, {"job", "j"}}), {{0, 10}});
  storage_.add(L({{"__name__", "h_bucket"}, {"le", "bad"}, {"job", "j"}}), {{0, 1000}});
  auto v = eval("histogram_quantile(0.5, h_bucket)", 0);
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(v.vector[0].labels, L({{"job", "j"}}));
  EXPECT_DOUBLE_EQ(v.vector[0].v, 1);
}

TEST_F(EngineTest, VectorMatching) {
  storage_.add(L({{"__name__", "a"}, {"job", "x"}, {"code", "200"}}), {{0, 10}});
  storage_.add(L({{"__name__", "a"}, {"job", "y"}, {"code", "200"}}), {{0, 20}});
  storage_.add(L({{"__name__", "b"}, {"job", "x"}}), {{0, 2}});
  storage_.add(L({{"__name__", "b"}, {"job", "y"}}), {{0, 0}});
  auto v = eval("a / ignoring(code) b", 0);
  ASSERT_EQ(v.vector.size(), 2u);
  EXPECT_EQ(v.vector[0].labels, L({{"job", "x"}}));
  EXPECT_EQ(v.vector[0].v, 5);
  EXPECT_EQ(v.vector[1].v, INFINITY);  // division by zero
  v = eval("a > on(job) b", 0);        // a filter keeps the lhs value, reduced to the on() labels
  ASSERT_EQ(v.vector.size(), 2u);
  EXPECT_EQ(v.vector[0].labels, L({{"job", "x"}}));
  EXPECT_EQ(v.vector[0].v, 10);
  v = eval("a > 15", 0);  // keeps __name__
  ASSERT_EQ(v.vector.size(), 1u);
  EXPECT_EQ(labelValue(v.vector[0].labels, "__name__"), "a");
  v = eval("15 < bool a", 0);
  ASSERT_EQ(v.vector.size(), 2u);
  EXPECT_EQ(v.vector[0].v, 0);
  EXPECT_EQ(v.vector[1].v, 1);
  EXPECT_TRUE(v.vector[0].labels == L({{"job", "x"}, {"code", "200"}}));
  EXPECT_TRUE(eval("a / b", 0).vector.empty());  // code makes the label sets differ
  EXPECT_NE(execError("a + on(code) a{job=\"x\"}", 0).find("many-to-one matching must be explicit"), std::string::npos);
  storage_.add(L({{"__name__", "d"}, {"job", "x"}, {"i", "1"}}), {{0, 1}});
  storage_.add(L({{"__name__", "d"}, {"job", "x"}, {"i", "2"}}), {{0, 1}});
  EXPECT_EQ(execError("b + on(job) d", 0),
            "found duplicate series for the match group {job=\"x\"} on the right hand-side of the operation: "
            "[{__name__=\"d\", i=\"2\", job=\"x\"}, {__name__=\"d\", i=\"1\", job=\"x\"}];many-to-many matching not "
            "allowed: matching labels must be unique on one side");
  storage_.add(L({{"__name__", "a2"}, {"job", "x"}, {"code", "200"}}), {{0, 1}});
  EXPECT_EQ(execError("-{__name__=~\"a|a2\", job=\"x\"}", 0), "vector cannot contain metrics with the same labelset");
}

TEST_F(EngineTest, AggregationsAndFunctions) {
  storage_.add(L({{"__name__", "m"}, {"job", "x"}, {"i", "1"}}), {{0, 1}});
  storage_.add(L({{"__name__", "m"}, {"job", "x"}, {"i", "2"}}), {{0, 3}});
  storage_.add(L({{"__name__", "m"}, {"job", "y"}, {"i", "1"}}), {{0, -4}});
  EXPECT_EQ(single("sum(m)", 0), 0);
  EXPECT_EQ(single("count(m)", 0), 3);
  EXPECT_EQ(single("max(m)", 0), 3);
  EXPECT_EQ(single("min(m)", 0), -4);
  EXPECT_DOUBLE_EQ(single("avg(m)", 0), 0);
  auto v = eval("sum by (job) (m)", 0);
  ASSERT_EQ(v.vector.size(), 2u);
  EXPECT_EQ(v.vector[0].labels, L({{"job", "x"}}));
  EXPECT_EQ(v.vector[0].v, 4);
  v = eval("sum without (i) (m)", 0);
  ASSERT_EQ(v.vector.size(), 2u);
  EXPECT_EQ(v.vector[1].labels, L({{"job", "y"}}));
  EXPECT_EQ(single("scalar(sum(m))", 0), 0);
  EXPECT_TRUE(std::isnan(single("scalar(m)", 0)));
  EXPECT_EQ(single("sum(vector(2))", 0), 2);
  EXPECT_EQ(single("abs(m{job=\"y\"})", 0), 4);
  EXPECT_EQ(single("clamp_min(m{job=\"y\"}, -1)", 0), -1);
  EXPECT_EQ(single("clamp_max(m{i=\"2\"}, 2)", 0), 2);
  EXPECT_EQ(single("round(m{i=\"2\"} / 2)", 0), 2);
  EXPECT_DOUBLE_EQ(single("round(m{i=\"2\"} / 7, 0.01)", 0), 0.43);
  EXPECT_EQ(single("time()", 42 * kS), 42);
  EXPECT_EQ(eval("m{job=~\"x|z\"}", 0).vector.size(), 2u);
  EXPECT_EQ(eval("m{job!~\"x\"}", 0).vector.size(), 1u);
  EXPECT_EQ(eval("m{job=~\"x.\"}", 0).vector.size(), 0u);  // anchored
  EXPECT_EQ(eval("m{nolabel=\"\"}", 0).vector.size(), 3u);  // absent == ""
  EXPECT_TRUE(std::isnan(single("sum(m) / 0 * 0", 0)));
}

TEST(PromqlFormat, NumbersAndTimestampsAsPrometheusWritesThem) {
  EXPECT_EQ(formatFloat(1), "1");
  EXPECT_EQ(formatFloat(0.1), "0.1");
  EXPECT_EQ(formatFloat(1e-10), "0.0000000001");
  EXPECT_EQ(formatFloat(1e21), "1000000000000000000000");
  EXPECT_EQ(formatFloat(98.33333333333333), "98.33333333333333");
  EXPECT_EQ(formatFloat(NAN), "NaN");
  EXPECT_EQ(formatFloat(INFINITY), "+Inf");
  EXPECT_EQ(formatFloat(-INFINITY), "-Inf");
  EXPECT_EQ(formatTimestamp(1435781451781), "1435781451.781");
  EXPECT_EQ(formatTimestamp(1500), "1.500");
  EXPECT_EQ(formatTimestamp(1005), "1.005");
  EXPECT_EQ(formatTimestamp(2000), "2");
  EXPECT_EQ(formatLabels(L({{"b", "x\"y"}, {"a", "1"}})), "{a=\"1\", b=\"x\\\"y\"}");
}

}  // namespace
}  // namespace aviary::promql
