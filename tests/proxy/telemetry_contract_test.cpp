// Contract: a real Prometheus scraping the proxy answers Flagger's builtin Istio queries
// (request-success-rate, request-duration) and the seed's not-found-percentage MetricTemplate
// with exactly the numbers the test traffic implies.
#include <gtest/gtest.h>

#include "proxy_fixture.h"
#include "support/prometheus_server.h"

namespace aviary::proxy::testing {
namespace {

// Flagger's templates after rendering and whitespace collapsing (flagger-integration.md §4.2),
// and the seed's metrics-404.yaml query, with {{ namespace }}=test, {{ target }}=podinfo.
std::string successRate(const std::string& w) {
  return " sum( rate( istio_requests_total{ reporter=\"destination\", destination_workload_namespace=\"test\", "
         "destination_workload=~\"podinfo\", response_code!~\"5.*\" }[" + w + "] ) ) / sum( rate( istio_requests_total{ "
         "reporter=\"destination\", destination_workload_namespace=\"test\", destination_workload=~\"podinfo\" }[" + w +
         "] ) ) * 100";
}
std::string duration(const std::string& w) {
  return " histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ reporter=\"destination\", "
         "destination_workload_namespace=\"test\", destination_workload=~\"podinfo\" }[" + w + "] ) ) by (le) )";
}
std::string notFound(const std::string& w) {
  return "100 - sum(\n    rate(\n        istio_requests_total{\n          reporter=\"destination\",\n"
         "          destination_workload_namespace=\"test\",\n          destination_workload=\"podinfo\",\n"
         "          response_code!=\"404\"\n        }[" + w + "]\n    )\n)\n/\nsum(\n    rate(\n"
         "        istio_requests_total{\n          reporter=\"destination\",\n"
         "          destination_workload_namespace=\"test\",\n          destination_workload=\"podinfo\"\n"
         "        }[" + w + "]\n    )\n) * 100\n";
}

void sendAll(uint16_t port, const std::vector<std::string>& targets, int threads) {
  std::vector<std::thread> pool;
  std::atomic<size_t> next{0};
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      RawClient c(port);
      for (size_t i; (i = next++) < targets.size();) {
        c.send("GET " + targets[i] + " HTTP/1.1\r\nHost: podinfo.test\r\n\r\n");
        EXPECT_NE(statusOf(c.readResponse()), 0);
      }
    });
  }
  for (auto& t : pool) t.join();
}

std::vector<std::string> repeat(const std::string& target, int n) { return std::vector<std::string>(n, target); }

TEST(ProxyTelemetryContractTest, FlaggerIstioQueriesSeeTheTraffic) {
  Backend primary("primary"), canary("canary");
  auto proxy = startProxy(fill(R"(admin: {port: 0}
listeners:
  - name: main
    routes:
      - match: [{headers: {x-target: {exact: canary}}}, {uri: {prefix: /canary}}]
        route: [{cluster: podinfo-canary}]
      - route: [{cluster: podinfo-primary}]
clusters:
  - {name: podinfo-primary, endpoints: ["{p}"], workload: {name: podinfo-primary, namespace: test, app: podinfo}}
  - {name: podinfo-canary, endpoints: ["{c}"], workload: {name: podinfo, namespace: test, app: podinfo, version: "2"}}
)", {{"p", primary.address()}, {"c", canary.address()}}));
  ASSERT_TRUE(proxy);
  const uint16_t port = proxy->listenerPort(0);
  // Warm-up: create every series with a large base count, so rate()'s extrapolation is the same
  // for all of them (it is clamped near zero only for counters that start small).
  std::vector<std::string> warm = repeat("/canary?status=200", 100);
  for (const auto& t : repeat("/canary?status=404", 100)) warm.push_back(t);
  for (const auto& t : repeat("/canary?status=500", 100)) warm.push_back(t);
  for (const auto& t : repeat("/?status=500", 100)) warm.push_back(t);
  sendAll(port, warm, 4);

  testsupport::PrometheusServer::Options o;
  o.targets = {"127.0.0.1:" + std::to_string(proxy->adminPort())};
  o.metricsPath = "/stats/prometheus";
  auto prom = testsupport::PrometheusServer::start(o);
  ASSERT_TRUE(prom.ok()) << prom.error().format();  // a missing prometheus binary fails the test
  const std::string url = (*prom)->url();
  ASSERT_TRUE((*prom)->waitFor("sum(istio_requests_total{destination_workload=\"podinfo\"})", std::chrono::seconds(20), 300).ok());
  const auto warmSeen = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // one more flat sample before the traffic

  // The analysed traffic: canary 90 x 200, 6 x 404, 4 x 500, each taking ~120 ms; the primary
  // fails everything (it must not leak into destination_workload=~"podinfo").
  std::vector<std::string> traffic = repeat("/canary?status=200&delay=120", 90);
  for (const auto& t : repeat("/canary?status=404&delay=120", 6)) traffic.push_back(t);
  for (const auto& t : repeat("/canary?status=500&delay=120", 4)) traffic.push_back(t);
  for (const auto& t : repeat("/?status=500", 50)) traffic.push_back(t);
  sendAll(port, traffic, 8);
  ASSERT_TRUE((*prom)->waitFor("sum(istio_requests_total{destination_workload=\"podinfo\"})", std::chrono::seconds(20), 400).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a second sample after the traffic

  // Window: from just after the warm-up sample to now, so it covers exactly the analysed traffic.
  auto windowMs = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - warmSeen) -
                  std::chrono::milliseconds(300);
  const std::string w = std::to_string(windowMs.count()) + "ms";
  auto sr = testsupport::queryValue(url, successRate(w));
  ASSERT_TRUE(sr.ok()) << sr.error().format();
  EXPECT_NEAR(*sr, 96.0, 1e-6);
  auto nf = testsupport::queryValue(url, notFound(w));
  ASSERT_TRUE(nf.ok()) << nf.error().format();
  EXPECT_NEAR(*nf, 6.0, 1e-6);
  auto p99 = testsupport::queryValue(url, duration(w));
  ASSERT_TRUE(p99.ok()) << p99.error().format();
  // All 100 requests land in the (100, 250] ms bucket (120 ms + overhead), so p99 interpolates to
  // 100 + 150 * 0.99 whatever their exact durations.
  EXPECT_NEAR(*p99, 100 + 150 * 0.99, 1e-6);
}

}  // namespace
}  // namespace aviary::proxy::testing
