// The embedded metrics server end to end on 127.0.0.1, on a manual clock (sample and query
// times are the clock's; scrapes are triggered by the test, so nothing sleeps):
//   - PrometheusChecker, unchanged, evaluates the seed's builtin checks and its 404 template
//     against MetricsServer scraping an Istio-shaped exporter;
//   - live staleness: a series that leaves the exposition, a failing target and a removed target
//     end their series at once (Prometheus's staleness markers), `up` follows;
//   - the HTTP API's formats: POST forms, errors, scalars, NaN, query_range, series, labels.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/decode.h"
#include "common/http_client.h"
#include "common/http_server.h"
#include "metrics/prometheus_checker.h"
#include "tsdb/metrics_server.h"

namespace aviary::tsdb {
namespace {

using namespace std::chrono_literals;

// Counters grow linearly in the manual clock's time since `zero_`: per second, canary podinfo
// 93×200, 5×404, 1×500, 1×503 (success 98 %, 404 share 5 %); latency buckets 25: 40, 50: 80,
// 100: 90, 250: 100, +Inf: 100 (P99 = 235 ms); decoys the queries must not match.
class IstioExporter {
 public:
  explicit IstioExporter(const Clock& clock) : clock_(clock), zero_(clock.now()) {
    auto srv = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest&) {
      if (failing_) return http::ServerResponse::text(500, "down\n");
      return http::ServerResponse::text(200, exposition());
    });
    EXPECT_TRUE(srv.ok());
    server_ = std::move(*srv);
  }
  ~IstioExporter() { server_->stop(); }
  std::string url() const { return server_->url() + "/stats/prometheus"; }
  std::atomic<bool> with503{true};
  std::atomic<bool> failing_{false};

 private:
  std::string exposition() const {
    double t = std::chrono::duration<double>(clock_.now() - zero_).count();
    auto req = [&](const char* reporter, const char* wl, const char* code, double perSecond) {
      return fmt::format("istio_requests_total{{reporter=\"{}\",destination_workload_namespace=\"test\","
                         "destination_workload=\"{}\",response_code=\"{}\"}} {}\n",
                         reporter, wl, code, perSecond * t);
    };
    std::string out = "# TYPE istio_requests_total counter\n";
    out += req("destination", "podinfo", "200", 93) + req("destination", "podinfo", "404", 5) +
           req("destination", "podinfo", "500", 1) + req("destination", "podinfo-primary", "500", 50) +
           req("source", "podinfo", "500", 100);
    if (with503) out += req("destination", "podinfo", "503", 1);
    for (auto [le, perSecond] : {std::pair{"25", 40}, {"50", 80}, {"100", 90}, {"250", 100}, {"+Inf", 100}}) {
      out += fmt::format("istio_request_duration_milliseconds_bucket{{reporter=\"destination\","
                         "destination_workload_namespace=\"test\",destination_workload=\"podinfo\",le=\"{}\"}} {}\n",
                         le, perSecond * t);
    }
    out += "aviary_nan NaN\n";
    return out;
  }
  const Clock& clock_;
  Clock::TimePoint zero_;
  std::unique_ptr<http::HttpServer> server_;
};

constexpr const char* kCanary = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 30s
    threshold: 5
    metrics:
    - name: request-success-rate
      interval: 1m
      thresholdRange:
        min: 99
    - name: request-duration
      interval: 1m
      thresholdRange:
        max: 500
    - name: "404s percentage"
      templateRef:
        name: not-found-percentage
        namespace: istio-system
      interval: 1m
      thresholdRange:
        max: 5
)";

class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Every scrape is the test's: the first at the start time, then after each clock step.
    clock_.set(Clock::TimePoint(std::chrono::seconds(1'700'000'000)));
    exporter_ = std::make_unique<IstioExporter>(clock_);
    ServerOptions o;
    o.clock = &clock_;
    o.scrapeLoopsForTest = false;  // the test triggers every scrape
    auto s = MetricsServer::start(o, {{exporter_->url(), "istio-proxy"}});
    ASSERT_TRUE(s.ok()) << s.error().format();
    server_ = std::move(*s);
    server_->scrapeNowForTest();
  }
  // Advances the clock by `step` and scrapes, `n` times (the first scrape is at the start time).
  void scrapeEvery(std::chrono::milliseconds step, int n) {
    for (int i = 0; i < n; ++i) {
      clock_.advance(step);
      server_->scrapeNowForTest();
    }
  }
  nlohmann::json get(const std::string& pathAndQuery) {
    auto r = http::get(server_->url() + pathAndQuery);
    EXPECT_TRUE(r.ok());
    lastStatus_ = r.ok() ? r->status : 0;
    return r.ok() ? nlohmann::json::parse(r->body) : nlohmann::json{};
  }
  nlohmann::json query(const std::string& q) { return get("/api/v1/query?query=" + http::urlEncode(q)); }

  ManualClock clock_;
  std::unique_ptr<IstioExporter> exporter_;
  std::unique_ptr<MetricsServer> server_;
  long lastStatus_ = 0;
};

TEST_F(MetricsServerTest, PrometheusCheckerReadsTheEmbeddedServerUnchanged) {
  scrapeEvery(5s, 13);  // a minute of samples
  auto docs = api::loadString(std::string(kCanary) + "---\n" + R"(apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: not-found-percentage
  namespace: istio-system
spec:
  provider:
    type: prometheus
    address: http://prometheus.istio-system:9090
  query: |
    100 - sum(
        rate(
            istio_requests_total{
              reporter="destination",
              destination_workload_namespace="{{ namespace }}",
              destination_workload="{{ target }}",
              response_code!="404"
            }[{{ interval }}]
        )
    )
    /
    sum(
        rate(
            istio_requests_total{
              reporter="destination",
              destination_workload_namespace="{{ namespace }}",
              destination_workload="{{ target }}"
            }[{{ interval }}]
        )
    ) * 100
)", "seed.yaml");
  for (const auto& e : docs.errors) ADD_FAILURE() << e.format();
  ASSERT_EQ(docs.canaries.size(), 1u);
  metrics::PrometheusCheckerOptions o;
  o.defaultAddress = server_->url();  // builtin checks: the controller-level address
  o.overrideAddress = server_->url(); // the template names a cluster address
  metrics::PrometheusChecker checker(docs.templates, nullptr, o);
  const auto& canary = docs.canaries[0];
  ASSERT_TRUE(checker.checkProviders(canary).ok());
  auto expect = [&](size_t i, double want, double tol) {
    auto a = checker.evaluate(canary, canary.spec.analysis->metrics[i]);
    ASSERT_EQ(a.kind, metrics::MetricAnswer::Kind::Value) << a.message;
    EXPECT_NEAR(a.value, want, tol) << canary.spec.analysis->metrics[i].name;
  };
  expect(0, 98.0, 1e-6);
  expect(1, 235.0, 1.0);  // truncated to whole ms, as Flagger does
  expect(2, 5.0, 1e-6);
}

TEST_F(MetricsServerTest, LiveStaleness) {
  scrapeEvery(5s, 3);
  const std::string q503 = R"(istio_requests_total{response_code="503"})";
  EXPECT_EQ(query(q503)["data"]["result"].size(), 1u);
  // The series leaves the exposition: it is gone at once, not 5 minutes later.
  exporter_->with503 = false;
  scrapeEvery(5s, 1);
  EXPECT_EQ(query(q503)["data"]["result"].size(), 0u);
  EXPECT_EQ(query("count(istio_requests_total)")["data"]["result"][0]["value"][1], "5");
  // Before the marker the series was there (a query back in time still sees it).
  auto back = get("/api/v1/query?query=" + http::urlEncode(q503) + "&time=" +
                  promql::formatTimestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              (clock_.now() - 5s).time_since_epoch()).count()));
  EXPECT_EQ(back["data"]["result"].size(), 1u);
  // It comes back when the exporter serves it again.
  exporter_->with503 = true;
  scrapeEvery(5s, 1);
  EXPECT_EQ(query(q503)["data"]["result"].size(), 1u);
  // A failing target: every series ends, up is 0.
  exporter_->failing_ = true;
  scrapeEvery(5s, 1);
  EXPECT_EQ(query("istio_requests_total")["data"]["result"].size(), 0u);
  EXPECT_EQ(query("up")["data"]["result"][0]["value"][1], "0");
  exporter_->failing_ = false;
  scrapeEvery(5s, 1);
  EXPECT_EQ(query("up")["data"]["result"][0]["value"][1], "1");
  EXPECT_EQ(query("istio_requests_total")["data"]["result"].size(), 6u);
  // A removed target: its series (and up) end at once (markers at the removal time).
  clock_.advance(1s);
  server_->setTargets({});
  EXPECT_EQ(query("istio_requests_total")["data"]["result"].size(), 0u);
  EXPECT_EQ(query("up")["data"]["result"].size(), 0u);
}

TEST_F(MetricsServerTest, ApiFormats) {
  scrapeEvery(5s, 3);
  auto v = query("aviary_nan");
  EXPECT_EQ(v["status"], "success");
  EXPECT_EQ(v["data"]["resultType"], "vector");
  EXPECT_EQ(v["data"]["result"][0]["value"][1], "NaN");
  EXPECT_EQ(v["data"]["result"][0]["metric"]["job"], "istio-proxy");
  EXPECT_EQ(v["data"]["result"][0]["metric"]["instance"], exporter_->url().substr(7, exporter_->url().find('/', 7) - 7));
  v = get("/api/v1/query?query=1%2B1&time=1700000000.5");
  EXPECT_EQ(v.dump(), R"({"data":{"result":[1700000000.5,"2"],"resultType":"scalar"},"status":"success"})");
  // POST with a form body, as promtool and Grafana send it.
  http::Request req;
  req.method = "POST";
  req.url = server_->url() + "/api/v1/query";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = "query=" + http::urlEncode("sum(rate(istio_requests_total[10s]))") + "&time=1700000010";
  auto post = http::perform(req);
  ASSERT_TRUE(post.ok());
  auto pj = nlohmann::json::parse(post->body);
  EXPECT_EQ(pj["status"], "success") << post->body;
  auto viaGet = get("/api/v1/query?query=" + http::urlEncode("sum(rate(istio_requests_total[10s]))") + "&time=1700000010");
  EXPECT_EQ(pj["data"]["result"][0]["value"][1], "250") << viaGet.dump() << get("/api/v1/query?query=" + http::urlEncode("istio_requests_total[15s]") + "&time=1700000015").dump();
  // Errors as Prometheus gives them.
  v = query("sum(");
  EXPECT_EQ(lastStatus_, 400);
  EXPECT_EQ(v["errorType"], "bad_data");
  EXPECT_EQ(v["error"], "1:5: parse error: unexpected end of input");
  v = query("istio_requests_total + on(response_code) istio_requests_total");
  EXPECT_EQ(lastStatus_, 422);
  EXPECT_EQ(v["errorType"], "execution");
  v = get("/api/v1/query?query=1&time=yesterday");
  EXPECT_EQ(v["error"], "invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp");
  v = get("/api/v1/query?query=1&time=2023-11-14T22:13:20.25Z");
  EXPECT_EQ(v["data"]["result"][0], 1700000000.25);
  // query_range: one point per step, sorted series.
  v = get("/api/v1/query_range?query=" + http::urlEncode(R"(up)") + "&start=1700000005&end=1700000015&step=5");
  ASSERT_EQ(v["data"]["resultType"], "matrix") << v.dump();
  EXPECT_EQ(v["data"]["result"][0]["values"].size(), 3u);
  EXPECT_EQ(v["data"]["result"][0]["values"][0][0], 1700000005);
  v = get("/api/v1/query_range?query=up&start=10&end=5&step=1");
  EXPECT_EQ(v["errorType"], "bad_data");
  // series, labels, label values
  v = get("/api/v1/series?match[]=" + http::urlEncode(R"(istio_requests_total{response_code="404"})"));
  ASSERT_EQ(v["data"].size(), 1u) << v.dump();
  EXPECT_EQ(v["data"][0]["destination_workload"], "podinfo");
  v = get("/api/v1/series");
  EXPECT_EQ(v["error"], "no match[] parameter provided");
  v = get("/api/v1/labels");
  EXPECT_NE(v["data"].dump().find("\"response_code\""), std::string::npos);
  v = get("/api/v1/label/response_code/values");
  EXPECT_EQ(v["data"].dump(), R"(["200","404","500","503"])");
  v = get("/api/v1/label/__name__/values");
  EXPECT_NE(v["data"].dump().find("\"up\""), std::string::npos);
  // Its own metrics.
  auto self = http::get(server_->url() + "/metrics");
  ASSERT_TRUE(self.ok());
  EXPECT_NE(self->body.find("aviary_tsdb_series "), std::string::npos);
  EXPECT_NE(self->body.find("aviary_tsdb_targets{state=\"up\"} 1"), std::string::npos);
}

TEST(MetricsServerOptions, BadOptionsAreClearErrors) {
  ServerOptions o;
  o.listen = "127.0.0.1";
  auto s = MetricsServer::start(o, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().format(), "listen: expected HOST:PORT (e.g. 127.0.0.1:9090), found \"127.0.0.1\"");
  o.listen = "127.0.0.1:0";
  o.scrapeInterval = 0s;
  EXPECT_FALSE(MetricsServer::start(o, {}).ok());
  EXPECT_EQ(instanceOf("http://127.0.0.1:9901/stats/prometheus"), "127.0.0.1:9901");
  EXPECT_EQ(instanceOf("http://example.com/metrics"), "example.com:80");
  EXPECT_EQ(instanceOf("https://[::1]/metrics"), "[::1]:443");
}

}  // namespace
}  // namespace aviary::tsdb
