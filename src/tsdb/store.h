#pragma once
// The embedded metrics server's in-memory series store.
//
// Each series keeps its samples in time order, compressed (ChunkedSamples: Prometheus's XOR
// chunks of 120 samples), for `retention`: older samples are dropped by trim(), which the scraper
// calls every cycle, and a chunk is freed once all its samples are dropped; a series left without
// samples is removed. Memory bound: at most `maxSeries` series (new series beyond it are dropped
// and counted) and at most `maxSamplesPerSeries` samples per series (the oldest go first). A
// sample costs 1–3 bytes for counters at a steady interval (at most 19 bytes, for a value that
// changes every bit with an irregular interval), a chunk 64 bytes of bookkeeping, a series its
// labels and ~200 bytes; see docs/metrics-server.md for the per-series figure measured against
// Prometheus.
//
// Appends follow Prometheus's head rules: a sample older than the series' newest is dropped
// (out of order), one at the same time with the same value is a no-op and with another value is
// dropped (duplicate). Staleness markers (promql::staleNaN()) are ordinary samples here; the
// evaluator interprets them.
//
// Threading: one writer at a time per append() (the scrapers), any number of readers; readers
// copy what they select under a shared lock and evaluate outside it, so a query never holds up
// ingest for longer than the copy.
#include <cstddef>
#include <cstdint>
#include <map>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/duration.h"
#include "promql/storage.h"
#include "tsdb/chunked_samples.h"

namespace aviary::tsdb {

using promql::Labels;
using promql::Millis;

struct StoreOptions {
  Duration retention = std::chrono::hours(1);
  size_t maxSeries = 200000;
  size_t maxSamplesPerSeries = 10000;  // 1 h at 0.36 s; the default 5 s interval needs 720
};

struct AppendResult {
  size_t appended = 0;
  size_t outOfOrder = 0;    // older than the series' newest sample, or same time other value
  size_t seriesLimited = 0; // new series refused because maxSeries was reached
};

struct StoreStats {
  size_t series = 0;
  size_t samples = 0;
  size_t chunks = 0;
  size_t chunkBytes = 0;   // heap bytes of the compressed samples (chunk arrays and streams)
  size_t approxBytes = 0;  // chunk memory (exact) + labels + per-series bookkeeping (an estimate)
  uint64_t seriesRefused = 0;
  uint64_t samplesOutOfOrder = 0;
};

class Store final : public promql::Queryable {
 public:
  explicit Store(StoreOptions options = {});

  struct Entry {
    Labels labels;  // normalized (promql::normalizeLabels)
    promql::Sample sample;
  };
  // Appends a batch (one scrape) under one lock.
  AppendResult append(const std::vector<Entry>& batch);

  // Drops samples older than now - retention and series left empty.
  void trim(Millis now);

  // promql::Queryable
  std::vector<promql::Series> select(const promql::Matchers& matchers, Millis mint, Millis maxt) const override;
  std::vector<promql::Series> selectLatest(const promql::Matchers& matchers, Millis mint, Millis maxt) const override;

  // /api/v1/series: label sets of series matching any of `matcherSets` with a sample in
  // [mint, maxt]; sorted, unique.
  std::vector<Labels> series(const std::vector<promql::Matchers>& matcherSets, Millis mint, Millis maxt) const;
  // /api/v1/labels and /api/v1/label/<name>/values over the same selection (all series when
  // matcherSets is empty); sorted, unique.
  std::vector<std::string> labelNames(const std::vector<promql::Matchers>& matcherSets, Millis mint, Millis maxt) const;
  std::vector<std::string> labelValues(const std::string& name, const std::vector<promql::Matchers>& matcherSets,
                                       Millis mint, Millis maxt) const;

  StoreStats stats() const;
  const StoreOptions& options() const { return options_; }

 private:
  struct SeriesData {
    Labels labels;
    ChunkedSamples samples;
  };
  // Ids of candidate series for `matchers` (by the metric-name index when possible). Caller holds mu_.
  std::vector<uint32_t> candidates(const promql::Matchers& matchers) const;
  std::vector<promql::Series> selectImpl(const promql::Matchers& matchers, Millis mint, Millis maxt,
                                         bool latestOnly) const;
  template <typename Fn>
  void forEachMatching(const std::vector<promql::Matchers>& sets, Millis mint, Millis maxt, Fn&& fn) const;
  void rebuildIndex();  // caller holds mu_ exclusively

  StoreOptions options_;
  mutable std::shared_mutex mu_;
  std::vector<SeriesData> series_;
  std::unordered_map<std::string, uint32_t> byKey_;                 // serialized labels → id
  std::unordered_map<std::string, std::vector<uint32_t>> byName_;   // __name__ → ids
  uint64_t seriesRefused_ = 0;
  uint64_t outOfOrder_ = 0;
};

// The serialized form of a label set used as a map key.
std::string labelsKey(const Labels& labels);

}  // namespace aviary::tsdb
