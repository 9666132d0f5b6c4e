// XorChunk round trips: every value comes back bit-exactly (NaN payloads, the staleness marker,
// ±Inf, -0.0, denormals) at every kind of interval (steady, jittered, huge jumps, extreme
// timestamps), and counters at a steady interval compress to a few bytes per sample.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "common/clock.h"
#include "promql/value.h"
#include "tsdb/xor_chunk.h"

namespace aviary::tsdb {
namespace {

uint64_t bits(double v) {
  return std::bit_cast<uint64_t>(v);
}

// Appends `in` to a fresh chunk and checks that iteration gives it back exactly.
void roundTrip(const std::vector<Sample>& in) {
  XorChunk c;
  for (const auto& s : in) c.append(s.t, s.v);
  ASSERT_EQ(c.count(), in.size());
  if (!in.empty()) {
    EXPECT_EQ(c.minTime(), in.front().t);
    EXPECT_EQ(c.maxTime(), in.back().t);
    EXPECT_EQ(bits(c.lastValue()), bits(in.back().v));
  }
  for (bool sealed : {false, true}) {
    if (sealed) c.seal();
    auto it = c.iterator();
    for (size_t i = 0; i < in.size(); ++i) {
      ASSERT_TRUE(it.next()) << "sample " << i;
      EXPECT_EQ(it.at().t, in[i].t) << "sample " << i;
      EXPECT_EQ(bits(it.at().v), bits(in[i].v)) << "sample " << i << ": " << in[i].v << " came back as " << it.at().v;
    }
    EXPECT_FALSE(it.next());
    EXPECT_FALSE(it.next());
  }
}

const double kInf = std::numeric_limits<double>::infinity();

std::vector<double> edgeValues() {
  return {0.0,
          -0.0,
          1.0,
          -1.0,
          kInf,
          -kInf,
          std::numeric_limits<double>::quiet_NaN(),
          -std::numeric_limits<double>::quiet_NaN(),
          promql::staleNaN(),
          std::bit_cast<double>(uint64_t{0x7ff0000000000001}),  // signalling NaN payload
          std::numeric_limits<double>::denorm_min(),
          std::numeric_limits<double>::max(),
          std::numeric_limits<double>::lowest(),
          std::numeric_limits<double>::min(),
          0.1,
          1e300,
          -1e-300};
}

TEST(XorChunk, EmptyChunkIteratesNothing) {
  XorChunk c;
  EXPECT_TRUE(c.empty());
  EXPECT_FALSE(c.iterator().next());
}

TEST(XorChunk, SingleAndTwoSamples) {
  roundTrip({{1000, 42}});
  roundTrip({{-5, promql::staleNaN()}});
  roundTrip({{1000, 1}, {6000, 1}});
  roundTrip({{0, -0.0}, {1, 0.0}});
}

TEST(XorChunk, EdgeValuesEveryOrderBitExact) {
  auto v = edgeValues();
  std::vector<Sample> in;
  Millis t = 1'700'000'000'000;
  // Every ordered pair once, so each value follows each other one (window reuse and resets).
  for (double a : v) {
    for (double b : v) {
      in.push_back({t += 5000, a});
      in.push_back({t += 5000, b});
    }
  }
  roundTrip(in);
  // And runs of each: equal values ('0' bits), then the staleness marker after a counter.
  std::vector<Sample> runs;
  for (double a : v) {
    for (int i = 0; i < 3; ++i) runs.push_back({t += 15000, a});
  }
  roundTrip(runs);
  SCOPED_TRACE("stale marker after counter");
  roundTrip({{1000, 10}, {2000, 11}, {3000, promql::staleNaN()}, {4000, promql::staleNaN()}, {5000, 0}});
}

TEST(XorChunk, EveryDeltaOfDeltaBucketAndItsEdges) {
  // Delta-of-delta values at and around each bucket's limits (14, 17, 20 bits, 64).
  std::vector<int64_t> dods = {0,      1,      -1,     8191,   8192,    -8192,   -8193,     65535,       65536,
                               -65536, -65537, 524287, 524288, -524288, -524289, 1LL << 40, -(1LL << 40)};
  std::vector<Sample> in = {{1'000'000'000'000'000, 1}, {1'000'000'000'000'000 + 1'000'000'000'000, 2}};
  int64_t delta = 1'000'000'000'000;
  for (int64_t d : dods) {
    delta += d;
    in.push_back({in.back().t + delta, static_cast<double>(in.size())});
  }
  roundTrip(in);
}

TEST(XorChunk, ExtremeTimestamps) {
  const Millis lo = std::numeric_limits<Millis>::min(), hi = std::numeric_limits<Millis>::max();
  roundTrip({{lo, 1}, {lo + 1, 2}, {0, 3}, {1, 4}, {hi - 1, 5}, {hi, 6}});
  roundTrip({{lo, 1}, {hi, 2}});
  roundTrip({{-1000, 1}, {-999, 2}, {-1, 3}});
}

TEST(XorChunk, RandomValuesAndIrregularIntervals) {
  SeededRandom rnd(16);
  auto edges = edgeValues();
  for (int round = 0; round < 200; ++round) {
    std::vector<Sample> in;
    Millis t = static_cast<Millis>(rnd.next(1ULL << 42)) - (1LL << 41);
    const size_t n = 1 + rnd.next(240);
    double counter = 0;
    for (size_t i = 0; i < n; ++i) {
      // Mostly a steady 5 s with jitter, sometimes a gap of hours, sometimes 1 ms.
      const uint64_t kind = rnd.next(10);
      t += kind < 6   ? 5000
           : kind < 8 ? 4990 + static_cast<Millis>(rnd.next(21))
           : kind < 9 ? 1
                      : 1 + static_cast<Millis>(rnd.next(1ULL << 33));
      double v;
      switch (rnd.next(5)) {
        case 0:
          v = std::bit_cast<double>(rnd.next(UINT64_MAX) ^ (rnd.next(2) << 63));
          break;  // any bit pattern
        case 1:
          v = edges[rnd.next(edges.size())];
          break;
        case 2:
          counter = rnd.next(20) == 0 ? 0 : counter + static_cast<double>(rnd.next(1000));
          v = counter;
          break;  // with resets
        case 3:
          v = static_cast<double>(rnd.next(1000)) / 7.0;
          break;
        default:
          v = in.empty() ? 1 : in.back().v;
          break;  // repeat
      }
      in.push_back({t, v});
    }
    SCOPED_TRACE(testing::Message() << "round " << round);
    roundTrip(in);
    if (HasFatalFailure()) return;
  }
}

TEST(XorChunk, SteadyCountersTakeFewBytesPerSample) {
  XorChunk c;
  double v = 1000;
  for (int i = 0; i < 120; ++i) c.append(1'700'000'000'000 + i * 5000, v += 900 + (i % 3));
  c.seal();
  // 120 samples in 16 B each would be 1,920 B.
  EXPECT_LT(c.streamBytes(), 120u * 3);
  XorChunk same;
  for (int i = 0; i < 120; ++i) same.append(i * 5000, 7);
  same.seal();
  // 8 + 64 bits for the first sample, 16 + 1 for the second, then one bit per timestamp and one
  // per value: 325 bits.
  EXPECT_EQ(same.streamBytes(), 41u);
}

}  // namespace
}  // namespace aviary::tsdb
