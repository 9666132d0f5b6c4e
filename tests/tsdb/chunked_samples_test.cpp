// ChunkedSamples against a plain deque of samples (the store's former representation): the same
// append verdicts, sizes and reads after random appends, retention drops and sample bounds, across
// chunk boundaries; and memory returned a whole chunk at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <deque>

#include "common/clock.h"
#include "promql/value.h"
#include "tsdb/chunked_samples.h"

namespace aviary::tsdb {
namespace {

using Status = ChunkedSamples::AppendStatus;

uint64_t bits(double v) {
  return std::bit_cast<uint64_t>(v);
}

// The reference: Prometheus's head rules over a deque.
struct Model {
  std::deque<Sample> s;
  Status append(Sample x) {
    if (!s.empty()) {
      if (x.t < s.back().t) return Status::OutOfOrder;
      if (x.t == s.back().t) return bits(x.v) == bits(s.back().v) ? Status::Duplicate : Status::OutOfOrder;
    }
    s.push_back(x);
    return Status::Appended;
  }
  void dropBefore(Millis cutoff) {
    while (!s.empty() && s.front().t < cutoff) s.pop_front();
  }
  void keepNewest(size_t max) {
    while (s.size() > max) s.pop_front();
  }
  std::vector<Sample> window(Millis mint, Millis maxt) const {
    std::vector<Sample> out;
    for (const auto& x : s)
      if (x.t >= mint && x.t <= maxt) out.push_back(x);
    return out;
  }
};

void expectSame(const std::vector<Sample>& got, const std::vector<Sample>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].t, want[i].t) << i;
    ASSERT_EQ(bits(got[i].v), bits(want[i].v)) << i;
  }
}

TEST(ChunkedSamples, MatchesTheDequeUnderRandomOperations) {
  SeededRandom rnd(1616);
  for (int round = 0; round < 30; ++round) {
    ChunkedSamples cs;
    Model m;
    Millis t = 1'700'000'000'000;
    for (int op = 0; op < 1500; ++op) {
      const uint64_t kind = rnd.next(100);
      if (kind < 85) {
        // Mostly in order; sometimes the same time (duplicate or conflicting), sometimes older.
        Millis at = t + 1000 + static_cast<Millis>(rnd.next(9000));
        const uint64_t k = rnd.next(20);
        if (k == 0 && !m.s.empty()) at = m.s.back().t;
        if (k == 1) at = t - static_cast<Millis>(rnd.next(50000));
        double v = rnd.next(3) == 0 ? promql::staleNaN() : static_cast<double>(rnd.next(100));
        if (k == 2 && !m.s.empty()) v = m.s.back().v;
        const Sample x{at, v};
        ASSERT_EQ(cs.append(x), m.append(x)) << "op " << op;
        if (!m.s.empty()) t = m.s.back().t;
      } else if (kind < 92) {
        const Millis cutoff = t - static_cast<Millis>(rnd.next(1'500'000));
        cs.dropBefore(cutoff);
        m.dropBefore(cutoff);
      } else if (kind < 95) {
        const size_t max = rnd.next(400);
        cs.keepNewest(max);
        m.keepNewest(max);
      } else {
        const Millis mint = t - static_cast<Millis>(rnd.next(2'000'000));
        const Millis maxt = mint + static_cast<Millis>(rnd.next(2'000'000)) - 100'000;
        std::vector<Sample> got;
        cs.collect(mint, maxt, got);
        expectSame(got, m.window(mint, maxt));
        auto want = m.window(mint, maxt);
        auto latest = cs.latest(mint, maxt);
        ASSERT_EQ(latest.has_value(), !want.empty());
        if (latest) expectSame({*latest}, {want.back()});
      }
      ASSERT_EQ(cs.size(), m.s.size()) << "op " << op;
      ASSERT_LE(cs.chunkCount(), m.s.size() / ChunkedSamples::kChunkSamples + 2);
      if (HasFatalFailure()) return;
    }
    std::vector<Sample> all;
    cs.collect(INT64_MIN, INT64_MAX, all);
    expectSame(all, m.window(INT64_MIN, INT64_MAX));
  }
}

TEST(ChunkedSamples, RetentionFreesWholeChunksAndSkipsInsideOne) {
  ChunkedSamples cs;
  for (int i = 0; i < 600; ++i) ASSERT_EQ(cs.append({i * 1000LL, static_cast<double>(i)}), Status::Appended);
  EXPECT_EQ(cs.chunkCount(), 5u);
  const size_t full = cs.heapBytes();
  cs.dropBefore(250'000);  // two whole chunks and 10 samples of the third
  EXPECT_EQ(cs.size(), 350u);
  EXPECT_EQ(cs.chunkCount(), 3u);
  EXPECT_LT(cs.heapBytes(), full);
  std::vector<Sample> got;
  cs.collect(0, 260'000, got);
  ASSERT_EQ(got.size(), 11u);
  EXPECT_EQ(got.front().t, 250'000);
  EXPECT_FALSE(cs.latest(0, 249'999).has_value());
  EXPECT_EQ(cs.latest(0, 250'500)->t, 250'000);
  cs.keepNewest(100);  // inside the last chunk: the two before it go
  EXPECT_EQ(cs.chunkCount(), 1u);
  EXPECT_EQ(cs.latest(0, 1'000'000)->v, 599);
  cs.dropBefore(1'000'000);
  EXPECT_TRUE(cs.empty());
  EXPECT_EQ(cs.chunkCount(), 0u);
  // A series emptied by retention starts over.
  EXPECT_EQ(cs.append({5, 1}), Status::Appended);
  EXPECT_EQ(cs.size(), 1u);
}

TEST(ChunkedSamples, AnHourOfCountersIsSmall) {
  ChunkedSamples cs;
  double v = 0;
  for (int i = 0; i < 720; ++i) cs.append({1'700'000'000'000 + i * 5000LL, v += 40 + (i % 7)});
  // 720 samples in 16 B each would be 11,520 B.
  EXPECT_LT(cs.heapBytes(), 2500u) << cs.heapBytes();
}

}  // namespace
}  // namespace aviary::tsdb
