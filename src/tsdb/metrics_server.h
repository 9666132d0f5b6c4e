#pragma once
// The embedded metrics server: a Store, the scrape loops that fill it and Prometheus's HTTP
// query API over it, in one object the controller process (or `aviary metrics-server`) owns.
//
//   auto server = tsdb::MetricsServer::start({.listen = "127.0.0.1:0"}, {{proxyStatsUrl, "aviary-proxy"}});
//   checkerOptions.defaultAddress = (*server)->url();   // PrometheusChecker reads it unchanged
//
// Contract:
//   - start() binds `listen` (host:port, port 0 = ephemeral; 127.0.0.1 by default) and starts one
//     scrape thread per target, each scraping at once and then every scrapeInterval. Error
//     (Unavailable) when the address cannot be bound, (Invalid) for a malformed option.
//   - Ingest runs on the scrape threads only; a query copies the samples it needs under a shared
//     lock and evaluates outside it. Nothing here blocks the caller's thread after start().
//   - setTargets() is thread-safe; targets may come and go at any time (a removed target's series
//     are marked stale, as Prometheus does).
//   - The server also answers GET /metrics with its own figures (series, samples, bytes, scrapes).
//   - stop() stops scraping and serving and joins every thread; idempotent; the destructor calls it.
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/http_server.h"
#include "tsdb/scraper.h"
#include "tsdb/store.h"

namespace aviary::tsdb {

struct ServerOptions {
  std::string listen = "127.0.0.1:0";
  Duration scrapeInterval = std::chrono::seconds(5);
  Duration scrapeTimeout = std::chrono::seconds(5);  // capped at scrapeInterval
  Duration retention = std::chrono::hours(1);
  size_t maxSeries = 200000;           // memory bound (see store.h)
  size_t maxSamplesPerSeries = 0;      // 0 = 2 × retention / scrapeInterval (room for explicit timestamps)
  const Clock* clock = nullptr;        // sample and query times; null = the system clock
  bool scrapeLoopsForTest = true;      // false: scrape only on scrapeNowForTest() (manual-clock tests)
};

class MetricsServer {
 public:
  static Result<std::unique_ptr<MetricsServer>> start(ServerOptions options, std::vector<ScrapeTarget> initial);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void setTargets(std::vector<ScrapeTarget> targets);
  // "http://127.0.0.1:PORT": what PrometheusChecker's address gets.
  std::string url() const;
  uint16_t port() const;
  void stop();

  const Store& store() const { return store_; }
  std::vector<TargetHealth> targetHealth() const { return scraper_->health(); }
  // Scrapes every target once, synchronously (tests; does not disturb the loops' schedule).
  void scrapeNowForTest() { scraper_->scrapeAllNowForTest(); }

 private:
  MetricsServer(ServerOptions options, StoreOptions storeOptions);
  std::string selfMetrics() const;

  ServerOptions options_;
  SystemClock systemClock_;
  Store store_;
  std::unique_ptr<ScrapeManager> scraper_;
  std::unique_ptr<http::HttpServer> http_;
};

// Splits "host:port" (port 0..65535; "[v6]:port" too). Error (Invalid) naming the text otherwise.
Result<std::pair<std::string, uint16_t>> splitHostPort(const std::string& listen);

}  // namespace aviary::tsdb
