#pragma once
// Istio-compatible request telemetry ("Mixerless" / Telemetry v2 names and labels).
//
// Threading: each worker owns one ThreadStats and is its only writer; counters are relaxed
// atomics written with plain load+store (no locked instructions), so the hot path takes no lock.
// A scrape (any thread) reads every ThreadStats and merges series with equal label values.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace aviary::proxy {

// Envoy response flags (as printed in Istio's `response_flags` label).
enum ResponseFlag : uint16_t {
  kFlagUH = 1u << 0,   // no healthy upstream
  kFlagUF = 1u << 1,   // upstream connection failure
  kFlagUO = 1u << 2,   // upstream overflow
  kFlagNR = 1u << 3,   // no route
  kFlagURX = 1u << 4,  // retries exhausted
  kFlagUT = 1u << 5,   // upstream request timeout
  kFlagUC = 1u << 6,   // upstream connection termination
  kFlagDC = 1u << 7,   // downstream connection termination
  kFlagDPE = 1u << 8,  // downstream protocol error
  kFlagUPE = 1u << 9,  // upstream protocol error
  kFlagSI = 1u << 10,  // stream idle timeout (a streamed request body stalled)
};

// "-" when no flag is set, else e.g. "UF,URX" (Envoy's order).
std::string formatResponseFlags(uint16_t flags);

// Istio's default histogram boundaries (Envoy's defaults), used for durations (ms) and sizes.
inline constexpr double kIstioBuckets[] = {0.5,   1,     5,      10,     25,     50,      100,
                                           250,   500,   1000,   2500,   5000,   10000,   30000,
                                           60000, 300000, 600000, 1800000, 3600000};
inline constexpr size_t kBucketCount = sizeof(kIstioBuckets) / sizeof(kIstioBuckets[0]);

// The label values of one (reporter, source, destination) combination, pre-rendered as
// `name="value",...` without response_code / response_flags. Shared by all series using it.
struct LabelSet {
  std::string text;
};
using LabelSetPtr = std::shared_ptr<const LabelSet>;

struct RelaxedCounter {
  std::atomic<uint64_t> v{0};
  // Single writer: a plain load+store is enough and avoids a locked add.
  void add(uint64_t n) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

struct Histogram {
  RelaxedCounter buckets[kBucketCount + 1];  // per-bucket (not cumulative); last = +Inf
  RelaxedCounter count;
  RelaxedCounter sumMicros;  // sum * 1000, kept integral
  void observe(double value);
};

struct Series {
  LabelSetPtr labels;
  uint16_t code = 0;
  uint16_t flags = 0;
  RelaxedCounter requests;
  Histogram duration;       // milliseconds
  Histogram requestBytes;   // body bytes
  Histogram responseBytes;  // body bytes
};

class ThreadStats {
 public:
  ThreadStats();
  ~ThreadStats();
  // Owner thread only. Never allocates except the first time a label combination is seen.
  void record(const LabelSetPtr& labels, uint16_t code, uint16_t flags, double durationMs, uint64_t requestBytes,
              uint64_t responseBytes);

  // Any thread: visits every series (safe against a concurrent record()).
  template <typename F>
  void forEach(F&& f) const {
    for (size_t i = 0; i < kSlots; ++i) {
      if (const Series* s = slots_[i].load(std::memory_order_acquire)) f(*s);
    }
  }
  uint64_t overflow() const { return overflow_.get(); }

  static constexpr size_t kSlots = 8192;

 private:
  std::unique_ptr<std::atomic<Series*>[]> slots_;
  RelaxedCounter overflow_;  // records dropped because the table is full (warned once)
};

// Holds every worker's ThreadStats plus process-wide gauges; renders the merged exposition.
class StatsRegistry {
 public:
  std::shared_ptr<ThreadStats> addThread();
  // Prometheus text format 0.0.4: the four istio_* families plus aviary_proxy_* internals.
  std::string renderPrometheus() const;

  RelaxedCounter configSwaps;  // written under the proxy's config mutex only
  std::atomic<uint64_t> ejections{0};
  std::atomic<uint64_t> sendBatches{0};   // system calls that sent a batch of writes (send_batch.h)
  std::atomic<uint64_t> batchedSends{0};  // writes sent in those
  std::atomic<int64_t> activeDownstream{0};
  std::atomic<int64_t> activeUpstream{0};  // upstream connections open, in use or pooled

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<ThreadStats>> threads_;
};

}  // namespace aviary::proxy
