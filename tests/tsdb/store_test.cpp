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

TEST(Store, SamplesLiveInCompressedChunksThatRetentionFrees) {
  StoreOptions o;
  o.retention = std::chrono::minutes(10);
  Store store(o);
  // An hour of a counter and of a staleness-marked gauge, every 5 s.
  for (int i = 0; i < 720; ++i) {
    store.append({{L("req", "200"), {i * 5000LL, 900.0 * i}},
                  {L("up", "1"), {i * 5000LL, i % 10 == 9 ? promql::staleNaN() : 1.0}}});
  }
  auto before = store.stats();
  EXPECT_EQ(before.samples, 1440u);
  EXPECT_EQ(before.chunks, 12u);  // 6 chunks of 120 a series
  EXPECT_LT(before.chunkBytes, 1440u * 3) << "about 3 bytes a sample or less, not 16";
  auto s = store.select(nameIs("up"), 0, 3600000);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].samples.size(), 720u);
  EXPECT_TRUE(promql::isStaleNaN(s[0].samples[9].v));
  EXPECT_EQ(s[0].samples[10].v, 1.0);
  // Keep the last 10 minutes from 3,595 s (t ≥ 2,995 s): 121 samples a series, the last of the
  // fifth chunk (skipped inside it) and the whole sixth; the first four chunks are freed.
  store.trim(3'595'000);
  auto after = store.stats();
  EXPECT_EQ(after.samples, 2u * 121);
  EXPECT_EQ(after.chunks, 4u);
  EXPECT_LT(after.chunkBytes, before.chunkBytes / 2);
  auto req = store.select(nameIs("req"), 0, 3'600'000);
  ASSERT_EQ(req[0].samples.size(), 121u);
  EXPECT_EQ(req[0].samples.front().t, 2'995'000);
  EXPECT_EQ(req[0].samples.back().v, 900.0 * 719);
}

}  // namespace
}  // namespace aviary::tsdb
