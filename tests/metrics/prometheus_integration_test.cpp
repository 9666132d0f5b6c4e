// The metric checks against a real Prometheus (Debian `prometheus`, started by the test on
// 127.0.0.1 with a 1 s scrape interval) scraping an Istio-shaped test exporter whose rates and
// latency distribution the test controls. Fails (never skips) when the binary is missing.
//
// The exporter's counters grow linearly from one common zero point, so every rate() over the same
// scrapes shares one extrapolation factor and the ratios below are exact up to float rounding:
//   canary podinfo/test, reporter=destination, per second: 93×200, 5×404, 1×500, 1×503
//     → success rate 98 %, 404 share 5 %;
//   latency buckets per second: le 25: 40, 50: 80, 100: 90, 250: 100 (+Inf: 100)
//     → P99 = 100 + 150 × (99 − 90)/(100 − 90) = 235 ms.
// Decoy series that the builtin queries must NOT match: podinfo-primary (50 % 5xx, slow), the
// source reporter (100 % 5xx) and namespace prod.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "api/decode.h"
#include "common/http_server.h"
#include "metrics/prometheus_checker.h"
#include "seed_fixture.h"
#include "support/prometheus_server.h"

namespace aviary::metrics {
namespace {

using testsupport::PrometheusServer;
using SteadyClock = std::chrono::steady_clock;

constexpr double kSuccessTolerance = 0.01;  // percentage points
constexpr double kDurationTolerance = 1.0;  // ms (the value is truncated to whole ms)

struct Series {
  std::string labels;
  double perSecond;
};

class IstioExporter {
 public:
  IstioExporter() : zero_(SteadyClock::now() - std::chrono::seconds(100)) {
    auto srv = http::HttpServer::start(
        "127.0.0.1", 0, [this](const http::ServerRequest&) { return http::ServerResponse::text(200, exposition()); });
    EXPECT_TRUE(srv.ok()) << srv.error().format();
    server_ = std::move(*srv);
  }
  ~IstioExporter() { server_->stop(); }
  std::string url() const { return server_->url(); }

 private:
  static std::string requests(const std::string& reporter, const std::string& ns, const std::string& workload,
                              const std::string& code) {
    return fmt::format(
        R"(reporter="{}",destination_workload_namespace="{}",destination_workload="{}",response_code="{}")", reporter,
        ns, workload, code);
  }
  static std::string bucket(const std::string& workload, const std::string& le) {
    return fmt::format(
        R"(reporter="destination",destination_workload_namespace="test",destination_workload="{}",le="{}")", workload,
        le);
  }

  std::string exposition() const {
    double t = std::chrono::duration<double>(SteadyClock::now() - zero_).count();
    std::vector<Series> reqs = {
        {requests("destination", "test", "podinfo", "200"), 93},
        {requests("destination", "test", "podinfo", "404"), 5},
        {requests("destination", "test", "podinfo", "500"), 1},
        {requests("destination", "test", "podinfo", "503"), 1},
        {requests("destination", "test", "podinfo-primary", "200"), 50},
        {requests("destination", "test", "podinfo-primary", "500"), 50},
        {requests("source", "test", "podinfo", "500"), 100},
        {requests("destination", "prod", "podinfo", "404"), 70},
    };
    std::vector<Series> buckets = {
        {bucket("podinfo", "25"), 40},           {bucket("podinfo", "50"), 80},
        {bucket("podinfo", "100"), 90},          {bucket("podinfo", "250"), 100},
        {bucket("podinfo", "500"), 100},         {bucket("podinfo", "+Inf"), 100},
        {bucket("podinfo-primary", "250"), 0},   {bucket("podinfo-primary", "5000"), 10},
        {bucket("podinfo-primary", "+Inf"), 10},
    };
    std::string out = "# TYPE istio_requests_total counter\n";
    for (const auto& s : reqs) out += fmt::format("istio_requests_total{{{}}} {:.6f}\n", s.labels, s.perSecond * t);
    out += "# TYPE istio_request_duration_milliseconds histogram\n";
    for (const auto& s : buckets) {
      out += fmt::format("istio_request_duration_milliseconds_bucket{{{}}} {:.6f}\n", s.labels, s.perSecond * t);
    }
    return out;
  }

  SteadyClock::time_point zero_;
  std::unique_ptr<http::HttpServer> server_;
};

class PrometheusIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    exporter_ = new IstioExporter();
    PrometheusServer::Options o;
    o.targets = {exporter_->url()};
    auto started = SteadyClock::now();
    auto prom = PrometheusServer::start(o);
    ASSERT_TRUE(prom.ok()) << prom.error().format();
    prom_ = prom->release();
    // rate() needs two samples inside its window: wait (bounded) until the canary's rate exists.
    auto st = prom_->waitFor(R"(sum(rate(istio_requests_total{destination_workload="podinfo"}[10s])))",
                             std::chrono::seconds(20));
    ASSERT_TRUE(st.ok()) << st.error().format() << "\n" << prom_->logTail();
    std::printf("prometheus ready after %.1f s\n", std::chrono::duration<double>(SteadyClock::now() - started).count());
  }
  static void TearDownTestSuite() {
    delete prom_;
    delete exporter_;
    prom_ = nullptr;
    exporter_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(prom_, nullptr) << "Prometheus did not start (see the suite's first failure)"; }

  PrometheusChecker checker(std::vector<api::MetricTemplate> templates = {}) const {
    PrometheusCheckerOptions o;
    o.overrideAddress = prom_->url();  // the seed's addresses are cluster DNS names
    return PrometheusChecker(std::move(templates), nullptr, o);
  }
  static api::Canary seedCanary(const std::string& file) {
    auto seed = loadSeed(file);
    EXPECT_EQ(seed.canaries.size(), 1u);
    api::Canary c = seed.canaries.empty() ? api::Canary{} : seed.canaries[0];
    // Short windows keep the test fast; the seed's 1m/30s would need a minute of samples.
    if (c.spec.analysis) {
      for (auto& m : c.spec.analysis->metrics) m.intervalText = "10s";
    }
    return c;
  }
  // Evaluates `metric` of `canary` and expects a value within `tolerance` of `expected`.
  void expectValue(const api::Canary& canary, const std::string& metric, double expected, double tolerance,
                   std::vector<api::MetricTemplate> templates = {}) const {
    MetricAnswer a = checker(std::move(templates)).evaluate(canary, metricNamed(canary, metric));
    ASSERT_EQ(a.kind, MetricAnswer::Kind::Value) << a.message;
    EXPECT_NEAR(a.value, expected, tolerance) << a.query;
    std::printf("%s measured %.6f (expected %.2f +- %.2f)\n", metric.c_str(), a.value, expected, tolerance);
  }

  static inline IstioExporter* exporter_ = nullptr;
  static inline PrometheusServer* prom_ = nullptr;
};

TEST_F(PrometheusIntegrationTest, BuiltinRequestSuccessRate) {
  expectValue(seedCanary("podinfo-canary.yaml"), "request-success-rate", 98.0, kSuccessTolerance);
}

TEST_F(PrometheusIntegrationTest, BuiltinRequestDuration) {
  expectValue(seedCanary("podinfo-canary.yaml"), "request-duration", 235.0, kDurationTolerance);
}

TEST_F(PrometheusIntegrationTest, Seed404TemplateReturnsThe404Share) {
  auto templates = loadSeed("metrics-404.yaml").templates;
  ASSERT_EQ(templates.size(), 1u);
  expectValue(seedCanary("podinfo-canary-404.yaml"), "404s percentage", 5.0, kSuccessTolerance, templates);
}

TEST_F(PrometheusIntegrationTest, ProvidersAreAvailable) {
  auto c = seedCanary("podinfo-canary-404.yaml");
  EXPECT_TRUE(checker(loadSeed("metrics-404.yaml").templates).checkProviders(c).ok());
  auto builtins = seedCanary("podinfo-canary.yaml");
  EXPECT_TRUE(checker().checkProviders(builtins).ok());
}

TEST_F(PrometheusIntegrationTest, NoMatchingSeriesIsNoValues) {
  auto c = seedCanary("podinfo-canary.yaml");
  c.spec.targetRef.name = "not-deployed";
  MetricAnswer a = checker().evaluate(c, metricNamed(c, "request-success-rate"));
  EXPECT_EQ(a.kind, MetricAnswer::Kind::NoValues) << a.message;
  EXPECT_EQ(a.message, "running query failed: no values found");
  a = checker().evaluate(c, metricNamed(c, "request-duration"));  // histogram_quantile of nothing
  EXPECT_EQ(a.kind, MetricAnswer::Kind::NoValues) << a.message;
}

TEST_F(PrometheusIntegrationTest, BadPromQLSurfacesPrometheusParseError) {
  auto c = seedCanary("podinfo-canary.yaml");
  api::CanaryMetric m;
  m.name = "broken";
  m.query = "sum(rate(istio_requests_total[{{ interval }}]";
  MetricAnswer a = checker().evaluate(c, m);
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  EXPECT_NE(a.message.find("error response: Status 400 Bad Request: bad_data:"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("parse error"), std::string::npos) << a.message;
}

TEST_F(PrometheusIntegrationTest, SeveralSeriesAreAnError) {
  auto c = seedCanary("podinfo-canary.yaml");
  api::CanaryMetric m;
  m.name = "per-code";
  m.query = "sum by (response_code) (rate(istio_requests_total{destination_workload=\"podinfo\"}[10s]))";
  MetricAnswer a = checker().evaluate(c, m);
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  EXPECT_NE(a.message.find("series, expected one"), std::string::npos) << a.message;
}

TEST_F(PrometheusIntegrationTest, PrometheusDownNamesTheAddress) {
  auto port = testsupport::pickFreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  std::string down = fmt::format("http://127.0.0.1:{}", *port);
  PrometheusCheckerOptions o;
  o.overrideAddress = down;
  PrometheusChecker checker(std::vector<api::MetricTemplate>{}, nullptr, o);
  auto c = seedCanary("podinfo-canary.yaml");
  MetricAnswer a = checker.evaluate(c, metricNamed(c, "request-success-rate"));
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  EXPECT_NE(a.message.find("Prometheus at " + down + " is unreachable"), std::string::npos) << a.message;
  auto st = checker.checkProviders(c);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find(down), std::string::npos) << st.error().message;
}

TEST_F(PrometheusIntegrationTest, SupportQueryHelper) {
  auto v = testsupport::queryValue(prom_->url(), "count(up{job=\"aviary-test\"} == 1)");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, 1);
  auto none = testsupport::queryValue(prom_->url(), "up{job=\"absent\"}");
  EXPECT_EQ(none.error().code, ErrorCode::NoValues);
}

}  // namespace
}  // namespace aviary::metrics
