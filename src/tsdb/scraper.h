#pragma once
// Scraping: one loop (thread) per target fetches its text exposition every interval and appends
// it to the Store, as Prometheus's scrape loop does:
//   - every series gets `job` and `instance` (host:port of the URL); a scraped label of the same
//     name is kept as `exported_job` / `exported_instance` (honor_labels: false);
//   - samples without a timestamp are stamped with the scrape's start time; explicit timestamps
//     are honoured (honor_timestamps: true);
//   - each scrape also writes `up` (1/0), `scrape_duration_seconds` and `scrape_samples_scraped`;
//   - staleness: a series (without explicit timestamps) missing from a scrape, every series of a
//     failed scrape, and every series of a target that is removed get a staleness marker at that
//     scrape's time (Prometheus 2.42 writes none for series with explicit timestamps).
// A failed scrape (transport error, HTTP status != 200, malformed body, over maxBodyBytes)
// appends nothing but `up` 0 and the staleness markers.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "tsdb/store.h"

namespace aviary::tsdb {

struct ScrapeTarget {
  std::string url;  // http://host:port/path
  std::string job;  // the `job` label
  bool operator==(const ScrapeTarget&) const = default;
};

// Prometheus's instance label for a URL: "host:port" (the scheme's default port when none).
std::string instanceOf(const std::string& url);

struct TargetHealth {
  ScrapeTarget target;
  bool up = false;
  promql::Millis lastScrape = 0;  // 0 = never
  std::string lastError;
  size_t lastSamples = 0;
};

class ScrapeLoop;

class ScrapeManager {
 public:
  struct Options {
    Duration interval = std::chrono::seconds(5);
    Duration timeout = std::chrono::seconds(5);  // per scrape; at most `interval`
    size_t maxBodyBytes = 16 << 20;
    const Clock* clock = nullptr;  // sample timestamps (default: the system clock); waits are real time
    // false: no scrape threads; targets are scraped only by scrapeAllNowForTest() (deterministic
    // tests on a manual clock, where a background scrape would race the test's clock).
    bool loopsForTest = true;
  };
  ScrapeManager(Store& store, Options options);
  ~ScrapeManager();

  // Replaces the target set: loops for new targets start (first scrape at once), loops for removed
  // ones stop and mark their series stale. Thread-safe.
  void setTargets(std::vector<ScrapeTarget> targets);
  // Scrapes every target once now, synchronously (tests; the loops keep their own schedule).
  void scrapeAllNowForTest();
  std::vector<TargetHealth> health() const;
  // Stops every loop (joins the threads) without marking series stale. Idempotent.
  void stop();

 private:
  Store& store_;
  Options options_;
  SystemClock systemClock_;
  std::atomic<promql::Millis> lastTrim_{0};  // when a loop last applied retention
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<ScrapeLoop>> loops_;  // keyed by url + job
};

}  // namespace aviary::tsdb
