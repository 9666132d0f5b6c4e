#include "tsdb/chunked_samples.h"

#include <algorithm>
#include <bit>

namespace aviary::tsdb {

ChunkedSamples::AppendStatus ChunkedSamples::append(Sample s) {
  if (!chunks_.empty()) {
    const XorChunk& last = chunks_.back();
    if (s.t < last.maxTime()) return AppendStatus::OutOfOrder;
    if (s.t == last.maxTime()) {
      return std::bit_cast<uint64_t>(s.v) == std::bit_cast<uint64_t>(last.lastValue()) ? AppendStatus::Duplicate
                                                                                       : AppendStatus::OutOfOrder;
    }
  }
  if (chunks_.empty() || chunks_.back().count() >= kChunkSamples) {
    if (!chunks_.empty()) chunks_.back().seal();
    // Grow the array by one or two rather than doubling: a series keeps few chunks (6 an hour
    // at 5 s scrapes), and the array's slack would be paid in every series.
    if (chunks_.size() == chunks_.capacity()) chunks_.reserve(chunks_.size() + 2);
    chunks_.emplace_back();
  }
  chunks_.back().append(s.t, s.v);
  if (size_ == 0) firstT_ = s.t;
  ++size_;
  return AppendStatus::Appended;
}

void ChunkedSamples::settleFront() {
  while (!chunks_.empty() && skip_ >= chunks_.front().count()) {
    skip_ -= chunks_.front().count();
    chunks_.erase(chunks_.begin());
  }
  if (chunks_.empty()) {
    skip_ = 0;
    size_ = 0;
    return;
  }
  auto it = chunks_.front().iterator();
  for (uint32_t i = 0; i <= skip_; ++i) it.next();
  firstT_ = it.at().t;
}

void ChunkedSamples::dropBefore(Millis cutoff) {
  if (size_ == 0 || firstT_ >= cutoff) return;  // the common case: nothing to drop, no decoding
  uint32_t drop = 0;
  for (const auto& c : chunks_) {
    if (c.maxTime() >= cutoff) {
      // Count this chunk's live samples before the cutoff (decoding it once).
      uint32_t i = 0;
      auto it = c.iterator();
      while (it.next() && it.at().t < cutoff) {
        if (&c != &chunks_.front() || i >= skip_) ++drop;
        ++i;
      }
      break;
    }
    drop += c.count() - (&c == &chunks_.front() ? skip_ : 0);
  }
  size_ -= drop;
  skip_ += drop;
  settleFront();
}

void ChunkedSamples::keepNewest(size_t max) {
  if (size_ <= max) return;
  const auto drop = static_cast<uint32_t>(size_ - max);
  size_ -= drop;
  skip_ += drop;
  settleFront();
}

void ChunkedSamples::collect(Millis mint, Millis maxt, std::vector<Sample>& out) const {
  if (size_ == 0) return;
  // Dropped samples all lie before firstT_, so clamping the window skips them.
  mint = std::max(mint, firstT_);
  if (mint > maxt) return;
  auto c = std::partition_point(chunks_.begin(), chunks_.end(), [&](const XorChunk& x) { return x.maxTime() < mint; });
  for (; c != chunks_.end() && c->minTime() <= maxt; ++c) {
    auto it = c->iterator();
    while (it.next()) {
      const Sample s = it.at();
      if (s.t > maxt) break;
      if (s.t >= mint) out.push_back(s);
    }
  }
}

std::optional<Sample> ChunkedSamples::latest(Millis mint, Millis maxt) const {
  if (size_ == 0) return std::nullopt;
  mint = std::max(mint, firstT_);
  if (mint > maxt) return std::nullopt;
  const XorChunk& back = chunks_.back();
  if (back.maxTime() <= maxt) {  // the usual instant query: no decoding
    if (back.maxTime() < mint) return std::nullopt;
    return Sample{back.maxTime(), back.lastValue()};
  }
  auto c = std::partition_point(chunks_.begin(), chunks_.end(), [&](const XorChunk& x) { return x.minTime() <= maxt; });
  if (c == chunks_.begin()) return std::nullopt;
  --c;
  std::optional<Sample> found;
  auto it = c->iterator();
  while (it.next() && it.at().t <= maxt) found = it.at();
  if (!found || found->t < mint) return std::nullopt;
  return found;
}

size_t ChunkedSamples::heapBytes() const {
  size_t n = chunks_.capacity() * sizeof(XorChunk);
  for (const auto& c : chunks_) n += c.streamBytes();
  return n;
}

}  // namespace aviary::tsdb
