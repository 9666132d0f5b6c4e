#include "loadtester/latency_histogram.h"

#include <algorithm>

namespace aviary::loadtester {
namespace {

constexpr int kSubBits = 10;                     // 1024 exact buckets, then 512 per octave
constexpr int64_t kLinear = int64_t{1} << kSubBits;
constexpr int64_t kHalf = kLinear / 2;
constexpr int kMaxExponent = 43;                 // 2^43 ns ≈ 2.4 h; larger values saturate
constexpr size_t kBuckets = static_cast<size_t>(kLinear + (kMaxExponent - kSubBits + 1) * kHalf);

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

size_t LatencyHistogram::indexOf(int64_t v) {
  if (v < kLinear) return static_cast<size_t>(v < 0 ? 0 : v);
  int e = 63 - __builtin_clzll(static_cast<unsigned long long>(v));
  if (e > kMaxExponent) return kBuckets - 1;
  int shift = e - kSubBits + 1;  // >= 1
  int64_t sub = (v >> shift) - kHalf;
  return static_cast<size_t>(kLinear + (shift - 1) * kHalf + sub);
}

int64_t LatencyHistogram::representative(size_t i, bool mid) const {
  int64_t v;
  if (static_cast<int64_t>(i) < kLinear) {
    v = static_cast<int64_t>(i);
  } else {
    int64_t off = static_cast<int64_t>(i) - kLinear;
    int shift = static_cast<int>(off / kHalf) + 1;
    int64_t sub = off % kHalf + kHalf;
    v = (sub << shift) + (mid ? (int64_t{1} << shift) >> 1 : 0);
  }
  return std::clamp(v, min(), max_);
}

void LatencyHistogram::record(int64_t nanos) {
  if (nanos < 0) nanos = 0;
  ++counts_[indexOf(nanos)];
  ++count_;
  sum_ += nanos;
  if (nanos < min_) min_ = nanos;
  if (nanos > max_) max_ = nanos;
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

int64_t LatencyHistogram::valueAtRank(uint64_t rank) const {
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen > rank) return representative(i, true);
  }
  return max_;
}

}  // namespace aviary::loadtester
