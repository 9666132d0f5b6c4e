// The series store: Prometheus's append rules (out of order, duplicates), retention, the memory
// bounds (series limit, samples per series), and selection windows.
#include <gtest/gtest.h>

#include "tsdb/store.h"

namespace aviary::tsdb {
namespace {

Labels L(const char* name, const char* code) {
  return promql::normalizeLabels({{"__name__", name}, {"code", code}});
}

promql::Matchers nameIs(const char* name) {
  return {*promql::Matcher::create(promql::MatchType::Equal, "__name__", name)};
}

TEST(Store, AppendRulesFollowPrometheusHead) {
  Store store;
  auto r = store.append({{L("a", "200"), {1000, 1}}, {L("a", "200"), {2000, 2}}, {L("a", "200"), {2000, 2}},
                         {L("a", "200"), {2000, 3}}, {L("a", "200"), {1500, 9}}});
  EXPECT_EQ(r.appended, 2u);    // the identical sample is a no-op
  EXPECT_EQ(r.outOfOrder, 2u);  // same time other value, older time
  auto s = store.select(nameIs("a"), 0, 10000);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].samples.size(), 2u);
  EXPECT_EQ(s[0].samples[1].v, 2);
  EXPECT_EQ(store.stats().samplesOutOfOrder, 2u);
}

TEST(Store, SelectionWindowsIncludeBothEnds) {
  Store store;
  store.append({{L("a", "1"), {1000, 1}}, {L("a", "1"), {2000, 2}}, {L("a", "1"), {3000, 3}}, {L("b", "1"), {2000, 7}}});
  auto s = store.select(nameIs("a"), 2000, 3000);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].samples.size(), 2u);
  auto latest = store.selectLatest(nameIs("a"), 0, 2500);
  ASSERT_EQ(latest.size(), 1u);
  ASSERT_EQ(latest[0].samples.size(), 1u);
  EXPECT_EQ(latest[0].samples[0].v, 2);
  EXPECT_TRUE(store.select(nameIs("a"), 3001, 9000).empty());
  auto re = *promql::Matcher::create(promql::MatchType::Regex, "__name__", "a|b");
  EXPECT_EQ(store.select({re}, 0, 9000).size(), 2u);
  EXPECT_EQ(store.labelValues("__name__", {}, 0, 9000), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(store.labelNames({nameIs("b")}, 0, 9000), (std::vector<std::string>{"__name__", "code"}));
  EXPECT_EQ(store.series({nameIs("b")}, 0, 1000).size(), 0u);
}

TEST(Store, RetentionDropsOldSamplesAndEmptySeries) {
  StoreOptions o;
  o.retention = std::chrono::seconds(60);
  Store store(o);
  store.append({{L("a", "1"), {0, 1}}, {L("a", "1"), {30000, 2}}, {L("b", "1"), {10000, 1}}, {L("c", "1"), {50000, 1}}});
  store.trim(70000);  // keeps samples at or after 10 s
  EXPECT_EQ(store.stats().samples, 3u);
  store.trim(75000);
  EXPECT_EQ(store.stats().series, 2u);  // b left empty and removed
  // The index was rebuilt: new and old series still resolve.
  store.append({{L("b", "1"), {80000, 5}}, {L("c", "1"), {80000, 5}}});
  EXPECT_EQ(store.select(nameIs("c"), 0, 90000)[0].samples.size(), 2u);
  EXPECT_EQ(store.select(nameIs("b"), 0, 90000)[0].samples.size(), 1u);
}

TEST(Store, MemoryBounds) {
  StoreOptions o;
  o.maxSeries = 2;
  o.maxSamplesPerSeries = 3;
  Store store(o);
  auto r = store.append({{L("a", "1"), {1, 1}}, {L("a", "2"), {1, 1}}, {L("a", "3"), {1, 1}}});
  EXPECT_EQ(r.seriesLimited, 1u);
  for (int t = 2; t < 10; ++t) store.append({{L("a", "1"), {t, 1.0 * t}}});
  auto s = store.select(nameIs("a"), 0, 100);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].samples.size(), 3u);
  EXPECT_EQ(s[0].samples.front().t, 7);
  EXPECT_EQ(store.stats().seriesRefused, 1u);
}

}  // namespace
}  // namespace aviary::tsdb
