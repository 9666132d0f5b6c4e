#include "tsdb/metrics_server.h"

#include <charconv>

#include <fmt/format.h>

#include "tsdb/api.h"

namespace aviary::tsdb {

Result<std::pair<std::string, uint16_t>> splitHostPort(const std::string& listen) {
  auto colon = listen.rfind(':');
  auto bad = [&] {
    return makeError(ErrorCode::Invalid, fmt::format("expected HOST:PORT (e.g. 127.0.0.1:9090), found \"{}\"", listen));
  };
  if (colon == std::string::npos || colon == 0) return bad();
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const char* first = listen.data() + colon + 1;
  const char* last = listen.data() + listen.size();
  auto res = std::from_chars(first, last, port);
  if (first == last || res.ec != std::errc() || res.ptr != last || port > 65535) return bad();
  return std::pair{host, static_cast<uint16_t>(port)};
}

MetricsServer::MetricsServer(ServerOptions options, StoreOptions storeOptions)
    : options_(std::move(options)), store_(storeOptions) {}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(ServerOptions options, std::vector<ScrapeTarget> initial) {
  auto hostPort = splitHostPort(options.listen);
  if (!hostPort.ok()) return Error{hostPort.error().code, hostPort.error().message, "listen", {}};
  if (options.scrapeInterval <= Duration::zero()) {
    return makeError(ErrorCode::Invalid, "scrape interval must be positive", "scrapeInterval");
  }
  if (options.retention <= Duration::zero()) return makeError(ErrorCode::Invalid, "retention must be positive", "retention");
  StoreOptions so;
  so.retention = options.retention;
  so.maxSeries = options.maxSeries;
  so.maxSamplesPerSeries = options.maxSamplesPerSeries != 0
                               ? options.maxSamplesPerSeries
                               : static_cast<size_t>(2 * (options.retention / options.scrapeInterval) + 2);
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(options), so));
  const Clock& clock = server->options_.clock ? *server->options_.clock : server->systemClock_;
  MetricsServer* self = server.get();
  auto extra = [self](const http::ServerRequest& req, http::ServerResponse& resp) {
    if (req.path != "/metrics") return false;
    resp = http::ServerResponse::text(200, self->selfMetrics());
    resp.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return true;
  };
  http::HttpServer::Options ho;
  ho.maxBodyBytes = 1 << 20;
  auto http = http::HttpServer::start(hostPort->first, hostPort->second, makeApiHandler(server->store_, clock, extra), ho);
  if (!http.ok()) return http.error();
  server->http_ = std::move(*http);
  ScrapeManager::Options mo;
  mo.interval = server->options_.scrapeInterval;
  mo.timeout = std::min(server->options_.scrapeTimeout, server->options_.scrapeInterval);
  mo.clock = &clock;
  mo.loopsForTest = server->options_.scrapeLoopsForTest;
  server->scraper_ = std::make_unique<ScrapeManager>(server->store_, mo);
  server->scraper_->setTargets(std::move(initial));
  return server;
}

MetricsServer::~MetricsServer() { stop(); }

void MetricsServer::setTargets(std::vector<ScrapeTarget> targets) { scraper_->setTargets(std::move(targets)); }

std::string MetricsServer::url() const { return http_->url(); }
uint16_t MetricsServer::port() const { return http_->port(); }

void MetricsServer::stop() {
  if (scraper_) scraper_->stop();
  if (http_) http_->stop();
}

std::string MetricsServer::selfMetrics() const {
  StoreStats st = store_.stats();
  auto health = scraper_->health();
  size_t up = 0;
  for (const auto& h : health) up += h.up ? 1 : 0;
  return fmt::format(
      "# HELP aviary_tsdb_series Series held by the embedded metrics store.\n# TYPE aviary_tsdb_series gauge\n"
      "aviary_tsdb_series {}\n"
      "# HELP aviary_tsdb_samples Samples held by the embedded metrics store.\n# TYPE aviary_tsdb_samples gauge\n"
      "aviary_tsdb_samples {}\n"
      "# HELP aviary_tsdb_bytes Estimated bytes held by the embedded metrics store.\n# TYPE aviary_tsdb_bytes gauge\n"
      "aviary_tsdb_bytes {}\n"
      "# HELP aviary_tsdb_series_refused_total Series dropped because the series limit was reached.\n"
      "# TYPE aviary_tsdb_series_refused_total counter\naviary_tsdb_series_refused_total {}\n"
      "# HELP aviary_tsdb_samples_out_of_order_total Samples dropped as out of order or duplicate.\n"
      "# TYPE aviary_tsdb_samples_out_of_order_total counter\naviary_tsdb_samples_out_of_order_total {}\n"
      "# HELP aviary_tsdb_targets Scrape targets, and how many answered their last scrape.\n"
      "# TYPE aviary_tsdb_targets gauge\naviary_tsdb_targets{{state=\"up\"}} {}\naviary_tsdb_targets{{state=\"down\"}} {}\n",
      st.series, st.samples, st.approxBytes, st.seriesRefused, st.samplesOutOfOrder, up, health.size() - up);
}

}  // namespace aviary::tsdb
