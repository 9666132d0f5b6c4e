#pragma once
// Test support: an exporter of changing, mesh-shaped series with explicit timestamps, stepped in
// lock-step with its scrapers so that every scraper stores exactly the same samples.
//
// Step k serves every series at the synthetic time base + k × stepSpacing. The exporter moves to
// step k+1 only once every registered scraper (told apart by User-Agent substring) has fetched
// step k, so Prometheus and the embedded server each see every step; a step fetched twice is the
// same sample twice, which both stores ignore. Series (all for namespace "test", target podinfo,
// plus decoys): Istio, Linkerd, App Mesh / generic HTTP, Contour, Gloo, Kuma, Knative, NGINX,
// Traefik, Skipper, OSM, APISIX request counters by code and latency histograms; a counter reset
// (istio 503 at step kResetStep), a series that disappears (istio 302 after kVanishStep), a
// non-monotonic histogram (osm), a NaN gauge.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "promql/value.h"

namespace aviary::tsdb::testing {

class StepExporter {
 public:
  static constexpr int kResetStep = 12;
  static constexpr int kVanishStep = 18;

  // The body served at step k, stamped t.
  using Body = std::function<std::string(int k, promql::Millis t)>;
  // `scrapers`: User-Agent substrings that must each fetch a step before it advances. `body`
  // defaults to exposition() below.
  StepExporter(promql::Millis base, promql::Millis stepSpacing, int steps, std::vector<std::string> scrapers,
               Body body = nullptr);
  ~StepExporter();

  std::string url() const { return server_->url() + "/metrics"; }
  // Blocks until the last step has been fetched by every scraper, or `timeout` passes (false).
  bool waitForLastStep(std::chrono::milliseconds timeout);
  int step() const;
  promql::Millis timeOf(int step) const { return base_ + step * spacing_; }
  // The exposition served at step k (exposed for the benchmark and unit tests).
  static std::string exposition(int k, promql::Millis t);

 private:
  http::ServerResponse serve(const http::ServerRequest& req);

  promql::Millis base_, spacing_;
  int steps_;
  std::vector<std::string> scrapers_;
  Body body_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int step_ = 0;
  std::vector<bool> fetched_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace aviary::tsdb::testing
