#pragma once
// The samples of one series in the store: XorChunks of up to kChunkSamples samples, oldest first,
// the newest one open for appends. Dropping old samples (retention, the per-series sample bound)
// frees whole chunks; inside the oldest chunk the dropped samples are skipped by count, so what
// callers see is exact to the sample while memory is returned a chunk at a time.
//
// Cost: about 1–3 bytes per sample for counters at a steady scrape interval (see xor_chunk.h),
// plus sizeof(XorChunk) per chunk and sizeof(ChunkedSamples) per series. Reads decode from the
// start of each chunk they touch: at most kChunkSamples samples more than they return, per chunk.
//
// Threading: none; Store serialises appends and drops against reads.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "tsdb/xor_chunk.h"

namespace aviary::tsdb {

class ChunkedSamples {
 public:
  // Prometheus cuts head chunks at 120 samples too: about as good a ratio as longer chunks, and
  // a bounded decode for a read that needs only the chunk's last samples.
  static constexpr uint16_t kChunkSamples = 120;

  enum class AppendStatus {
    Appended,
    Duplicate,   // same time and same value bits as the newest sample: nothing to do
    OutOfOrder,  // older than the newest sample, or same time with another value: refused
  };
  AppendStatus append(Sample s);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Drops the samples older than `cutoff`.
  void dropBefore(Millis cutoff);
  // Drops the oldest samples until at most `max` remain.
  void keepNewest(size_t max);

  // Appends the samples in [mint, maxt] to `out`, oldest first.
  void collect(Millis mint, Millis maxt, std::vector<Sample>& out) const;
  // The newest sample in [mint, maxt], if any.
  std::optional<Sample> latest(Millis mint, Millis maxt) const;

  size_t chunkCount() const { return chunks_.size(); }
  // Heap bytes: the chunk array and every chunk's stream (capacities).
  size_t heapBytes() const;

 private:
  // After skip_ changed: pops the chunks whose samples are all skipped and sets firstT_.
  void settleFront();

  std::vector<XorChunk> chunks_;
  uint32_t skip_ = 0;  // leading samples of chunks_.front() that were dropped
  uint32_t size_ = 0;  // samples not dropped
  Millis firstT_ = 0;  // time of the oldest sample not dropped (when size_ > 0)
};

}  // namespace aviary::tsdb
