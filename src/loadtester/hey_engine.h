#pragma once
// The built-in hey's load engine: `-c` connections ("workers", as in hey) spread over N epoll
// event-loop threads, keep-alive, one pre-serialized request, minimal response parsing. Each
// worker sends n/c requests (or runs until -z elapses), paced at -q per worker like hey.
// Statistics are kept per thread without allocation on the hot path and merged at the end.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "loadtester/hey_options.h"
#include "loadtester/latency_histogram.h"

namespace aviary::loadtester {

// average/fastest/slowest of one request phase (hey's "Details" section), nanoseconds.
struct PhaseStats {
  int64_t sum = 0;
  int64_t min = INT64_MAX;
  int64_t max = 0;
  void add(int64_t v) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  void merge(const PhaseStats& o) {
    sum += o.sum;
    if (o.min < min) min = o.min;
    if (o.max > max) max = o.max;
  }
};

// One row of `-o csv` (nanoseconds except status).
struct CsvRecord {
  int64_t total, conn, dns, write, wait, read;
  int status;
  int64_t offset;
};

struct HeyStats {
  LatencyHistogram latency;  // successful responses only (hey's "lats")
  PhaseStats conn, dns, write, wait, read;
  std::array<uint64_t, 1000> statusCounts{};
  std::map<std::string, uint64_t> errors;  // formatted like Go's errors
  uint64_t responses = 0;                  // results with a status code
  uint64_t errorCount = 0;                 // results with an error
  int64_t sizeTotal = 0;                   // sum of positive Content-Lengths (hey's "Total data")
  std::vector<CsvRecord> records;          // only with -o csv

  void merge(HeyStats&& other);
};

struct HeyResult {
  HeyStats stats;
  std::chrono::nanoseconds elapsed{0};
};

// Runs the load. `interrupt` (may be null) stops it early when set, as Ctrl-C does for hey.
// Errors only for setup problems (unresolvable host); request failures are counted in stats.
Result<HeyResult> runHey(const HeyOptions& options, const std::atomic<bool>* interrupt);

}  // namespace aviary::loadtester
