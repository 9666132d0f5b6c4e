#pragma once
// Log-linear latency histogram (HDR style) in nanoseconds: exact below 1024 ns, then 512
// sub-buckets per power of two (relative error < 0.2%), up to ~2.4 hours. Recording is a few
// integer operations and one increment: no allocation after construction. Not thread-safe: one
// per event-loop thread, merged at the end.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace aviary::loadtester {

class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(int64_t nanos);
  void merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  int64_t min() const { return count_ ? min_ : 0; }  // exact
  int64_t max() const { return max_; }               // exact
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

  // Value of the element at 0-based rank `rank` in sorted order (rank < count()), accurate to the
  // bucket width and clamped to [min, max].
  int64_t valueAtRank(uint64_t rank) const;

  // Calls fn(lowerBound, count) for every non-empty bucket in increasing order (the lower bound
  // is clamped to [min, max], so the fastest value falls in the first bucket).
  template <typename Fn>
  void forEach(Fn&& fn) const {
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i]) fn(representative(i, false), counts_[i]);
    }
  }

 private:
  static size_t indexOf(int64_t nanos);
  // The bucket's lower bound (mid=false) or middle (mid=true), clamped to [min, max].
  int64_t representative(size_t index, bool mid) const;

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
  __int128 sum_ = 0;
};

}  // namespace aviary::loadtester
