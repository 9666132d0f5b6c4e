// Embedded metrics server vs the real Prometheus (Debian 2.42) on the same exporter
// (bench/metrics.sh runs it; docs/metrics-server.md has the figures):
//   1. ingest: both scrape one exporter of ~1,000 Istio-shaped series in lock-step (explicit
//      timestamps 5 s apart, so an hour of samples arrives in a few minutes); samples per second
//      scraped and stored = samples per scrape / mean scrape_duration_seconds, read from each
//      server's own scrape_duration_seconds series;
//   2. memory per series per hour: after that hour of samples, our store's own estimate and our
//      process's RSS growth vs Prometheus's process_resident_memory_bytes and
//      go_memstats_heap_inuse_bytes growth over the same ingest, divided by the series count;
//   3. query latency of Flagger's builtin Istio queries (success rate, P99) over the 1,000 series:
//      in-process evaluation (ours) and over HTTP (both), p50/p99 of `--queries` runs;
//   4. ingest vs the controller: the lateness of a 10 ms periodic "tick" thread while our server
//      ingests, against the same thread idle.
// Usage: bench_metrics [--steps N] [--queries N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "promql/engine.h"
#include "step_exporter.h"
#include "support/prometheus_server.h"
#include "tsdb/metrics_server.h"

using namespace aviary;
using namespace std::chrono;
using promql::Millis;

namespace {

constexpr int kWorkloads = 66;  // × 15 series = 990 series, plus the scrape's own

std::string body(int k, Millis t) {
  std::string out;
  out.reserve(200000);
  static const char* kBounds[] = {"5", "10", "25", "50", "100", "250", "500", "1000", "+Inf"};
  static const double kShares[] = {0.1, 0.2, 0.3, 0.2, 0.1, 0.05, 0.03, 0.01, 0.01};
  for (int w = 0; w < kWorkloads; ++w) {
    std::string sel = fmt::format(R"(reporter="destination",destination_workload_namespace="ns{}",destination_workload="app{}")",
                                  w % 7, w);
    for (auto [code, per] : {std::pair{"200", 900.0}, {"404", 40.0}, {"500", 7.0}, {"503", 3.0}}) {
      out += fmt::format("istio_requests_total{{{},response_code=\"{}\"}} {} {}\n", sel, code, per * k + w, t);
    }
    double cumulative = 0;
    for (int i = 0; i < 9; ++i) {
      cumulative += kShares[i];
      out += fmt::format("istio_request_duration_milliseconds_bucket{{{},le=\"{}\"}} {} {}\n", sel, kBounds[i],
                         std::floor(cumulative * 950 * k + 0.5), t);
    }
    out += fmt::format("istio_request_duration_milliseconds_sum{{{}}} {} {}\n", sel, 31.5 * 950 * k, t);
    out += fmt::format("istio_request_duration_milliseconds_count{{{}}} {} {}\n", sel, 950.0 * k, t);
  }
  return out;
}

long rssKb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

double scalarQuery(const std::string& url, const std::string& q, Millis t) {
  auto r = http::get(fmt::format("{}/api/v1/query?query={}&time={}", url, http::urlEncode(q), promql::formatTimestamp(t)));
  if (!r.ok()) return NAN;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_discarded() || j["status"] != "success" || j["data"]["result"].empty()) return NAN;
  return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

struct Latency {
  double p50us, p99us;
};

template <typename Fn>
Latency measure(int n, Fn&& fn) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto t0 = steady_clock::now();
    fn();
    us.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

// Max and mean lateness of a 10 ms periodic tick over `length`.
std::pair<double, double> tickLateness(milliseconds length) {
  double maxLate = 0, sum = 0;
  int n = 0;
  auto next = steady_clock::now();
  auto end = next + length;
  while (next < end) {
    next += milliseconds(10);
    std::this_thread::sleep_until(next);
    double late = duration<double, std::micro>(steady_clock::now() - next).count();
    maxLate = std::max(maxLate, late);
    sum += late;
    ++n;
  }
  return {maxLate, sum / n};
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 720;  // an hour of 5 s samples
  int queries = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--queries")) queries = std::atoi(argv[i + 1]);
  }
  const Millis now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() / 1000 * 1000;
  const Millis spacing = 5000;
  const Millis base = now - (steps + 12) * spacing;  // the last step lands about a minute ago
  tsdb::testing::StepExporter exporter(base, spacing, steps, {"Prometheus/", "aviary-metrics-server"}, body);
  const Millis last = exporter.timeOf(steps - 1);
  const std::string sample = body(1, 0);
  std::printf("exporter: %d workloads, %zu series per scrape, %d steps of %lld ms (%.1f h of samples)\n", kWorkloads,
              static_cast<size_t>(std::count(sample.begin(), sample.end(), '\n')), steps,
              static_cast<long long>(spacing), steps * spacing / 3.6e6);

  auto [idleMax, idleMean] = tickLateness(seconds(3));
  long rssBefore = rssKb();
  tsdb::ServerOptions so;
  so.scrapeInterval = milliseconds(100);
  so.retention = hours(2);
  auto ours = tsdb::MetricsServer::start(so, {{exporter.url(), "bench"}});
  if (!ours.ok()) {
    std::fprintf(stderr, "%s\n", ours.error().format().c_str());
    return 1;
  }
  testsupport::PrometheusServer::Options po;
  po.targets = {exporter.url()};
  po.jobName = "bench";
  po.scrapeInterval = milliseconds(100);
  auto prom = testsupport::PrometheusServer::start(po);
  if (!prom.ok()) {
    std::fprintf(stderr, "%s\n", prom.error().format().c_str());
    return 1;
  }
  const std::string promUrl = (*prom)->url();
  const Millis promStart = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  double promRssBefore = scalarQuery(promUrl, R"(process_resident_memory_bytes{job="prometheus"})", promStart);
  double promHeapBefore = scalarQuery(promUrl, R"(go_memstats_heap_inuse_bytes{job="prometheus"})", promStart);
  auto [busyMax, busyMean] = tickLateness(seconds(5));  // while both ingest
  auto t0 = steady_clock::now();
  if (!exporter.waitForLastStep(minutes(15))) {
    std::fprintf(stderr, "exporter stuck at step %d\n", exporter.step());
    return 1;
  }
  double ingestSeconds = duration<double>(steady_clock::now() - t0).count();
  std::printf("ingest of %d steps took %.1f s after Prometheus started\n", steps, ingestSeconds);

  // 1. ingest rate from each server's own scrape bookkeeping.
  const Millis wall = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::string perScrape = R"(avg_over_time(scrape_samples_scraped{job="bench"}[1m]) / avg_over_time(scrape_duration_seconds{job="bench"}[1m]))";
  std::printf("ingest (samples/s while scraping, scrape_samples_scraped / scrape_duration_seconds, last minute):\n"
              "  aviary %.0f   prometheus %.0f\n",
              scalarQuery((*ours)->url(), perScrape, wall), scalarQuery(promUrl, perScrape, wall));

  // 2. memory per series per hour of samples.
  auto st = (*ours)->store().stats();
  long rssAfter = rssKb();
  double promRssAfter = scalarQuery(promUrl, R"(process_resident_memory_bytes{job="prometheus"})", wall);
  double promHeapAfter = scalarQuery(promUrl, R"(go_memstats_heap_inuse_bytes{job="prometheus"})", wall);
  double promSeries = scalarQuery(promUrl, "prometheus_tsdb_head_series", wall);
  double hours = steps * spacing / 3.6e6;
  std::printf("memory per series per hour (%zu series, %zu samples in our store):\n", st.series, st.samples);
  std::printf("  aviary: store estimate %.0f B, process RSS growth %.0f B\n", st.approxBytes / st.series / hours,
              (rssAfter - rssBefore) * 1024.0 / st.series / hours);
  std::printf("  aviary store: %zu chunks of %zu B in all, %.2f B per sample\n", st.chunks, st.chunkBytes,
              static_cast<double>(st.chunkBytes) / static_cast<double>(st.samples));
  std::printf("  prometheus (%.0f head series): RSS growth %.0f B, Go heap in use growth %.0f B\n", promSeries,
              (promRssAfter - promRssBefore) / promSeries / hours, (promHeapAfter - promHeapBefore) / promSeries / hours);

  // 3. query latency of the builtin queries for one workload, at the last step.
  const std::string sr =
      R"( sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="ns3", destination_workload=~"app10", response_code!~"5.*" }[1m] ) ) / sum( rate( istio_requests_total{ reporter="destination", destination_workload_namespace="ns3", destination_workload=~"app10" }[1m] ) ) * 100)";
  const std::string p99 =
      R"( histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="ns3", destination_workload=~"app10" }[1m] ) ) by (le) ))";
  std::printf("answers at the last step: success rate aviary %.6f prometheus %.6f; p99 aviary %.6f prometheus %.6f\n",
              scalarQuery((*ours)->url(), sr, last), scalarQuery(promUrl, sr, last),
              scalarQuery((*ours)->url(), p99, last), scalarQuery(promUrl, p99, last));
  for (const auto& [name, q] : {std::pair{"success-rate", sr}, {"p99", p99}}) {
    auto inproc = measure(queries, [&] { (void)promql::query(q, (*ours)->store(), last); });
    auto oursHttp = measure(queries, [&] { (void)scalarQuery((*ours)->url(), q, last); });
    auto promHttp = measure(queries, [&] { (void)scalarQuery(promUrl, q, last); });
    std::printf("query %-12s p50/p99 µs: aviary in-process %.0f/%.0f, aviary HTTP %.0f/%.0f, prometheus HTTP %.0f/%.0f\n",
                name, inproc.p50us, inproc.p99us, oursHttp.p50us, oursHttp.p99us, promHttp.p50us, promHttp.p99us);
  }
  // 4. the controller's ticks
  std::printf("10 ms tick lateness (µs) idle max %.0f mean %.0f; while ingesting max %.0f mean %.0f\n", idleMax,
              idleMean, busyMax, busyMean);
  (*ours)->stop();
  return 0;
}
