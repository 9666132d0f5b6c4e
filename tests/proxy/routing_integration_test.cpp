// Routing behaviour against real loopback backends: weighted split, A/B by header and cookie,
// session-affinity cookies, mirroring, retries, outlier ejection, local error replies, the admin
// API and a hot config swap under load.
#include <gtest/gtest.h>

#include "proxy_fixture.h"

namespace aviary::proxy::testing {
namespace {

std::string baseConfig(const std::string& routes, const std::string& clusters, const std::string& extra = "") {
  return "admin: {port: 0}\n" + extra + "listeners:\n  - name: main\n    port: 0\n    routes:\n" + routes +
         "clusters:\n" + clusters;
}

http::Response get(ProxyServer& p, const std::string& path, std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request req;
  req.url = "http://127.0.0.1:" + std::to_string(p.listenerPort(0)) + path;
  req.headers = std::move(headers);
  auto r = http::perform(req);
  EXPECT_TRUE(r.ok()) << r.error().format();
  return r.ok() ? r.value() : http::Response{};
}

TEST(ProxyRoutingTest, WeightedSplitAndTelemetryMatchTheTraffic) {
  Backend primary("primary"), canary("canary");
  auto proxy = startProxy(baseConfig(R"(      - name: split
        route:
          - {cluster: primary, weight: 90}
          - {cluster: canary, weight: 10}
)", fill(R"(  - name: primary
    endpoints: ["{p}"]
    workload: {name: podinfo-primary, namespace: test}
  - name: canary
    endpoints: ["{c}"]
    workload: {name: podinfo, namespace: test, version: v2}
)", {{"p", primary.address()}, {"c", canary.address()}})));
  ASSERT_TRUE(proxy);
  RawClient client(proxy->listenerPort(0));
  const int n = 2000;
  for (int i = 0; i < n; ++i) {
    client.send("GET / HTTP/1.1\r\nHost: podinfo\r\n\r\n");
    ASSERT_EQ(statusOf(client.readResponse()), 200);
  }
  EXPECT_EQ(primary.count() + canary.count(), n);
  EXPECT_NEAR(canary.count() / static_cast<double>(n), 0.10, 0.03);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"destination_workload=\"podinfo\"", "response_code=\"200\"", "destination_version=\"v2\""}, canary.count()), canary.count());
  EXPECT_EQ(waitRequestsTotal(*proxy, {"destination_workload=\"podinfo-primary\"", "reporter=\"destination\""}, primary.count()), primary.count());
  // Weights change through the admin API and take effect at once.
  http::Request put;
  put.method = "PUT";
  put.url = "http://127.0.0.1:" + std::to_string(proxy->adminPort()) + "/routes/main/split/weights";
  put.body = R"({"primary": 0, "canary": 100})";
  auto r = http::perform(put);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
  int before = canary.count();
  for (int i = 0; i < 50; ++i) {
    client.send("GET / HTTP/1.1\r\nHost: podinfo\r\n\r\n");
    ASSERT_EQ(statusOf(client.readResponse()), 200);
  }
  EXPECT_EQ(canary.count() - before, 50);
  put.body = R"({"primary": 50})";  // canary stays 100: sum 150
  r = http::perform(put);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("weights must add up to 100, got 150"), std::string::npos) << r->body;
}

TEST(ProxyRoutingTest, ABTestingByHeaderAndCookieWithSessionAffinity) {
  Backend primary("primary"), canary("canary");
  auto proxy = startProxy(baseConfig(R"(      - name: sticky
        match:
          - headers: {cookie: {regex: ".*flagger-cookie.*abc.*"}}
        route: [{cluster: canary}]
      - name: ab
        match:
          - headers: {x-canary: {exact: insider}}
          - cookies: {user: {regex: "^beta-.*"}}
        route: [{cluster: canary}]
      - name: weighted
        route:
          - {cluster: primary, weight: 50}
          - cluster: canary
            weight: 50
            headers: {response: {add: {Set-Cookie: "flagger-cookie=abc; Max-Age=86400"}}}
)", fill("  - {name: primary, endpoints: [\"{p}\"]}\n  - {name: canary, endpoints: [\"{c}\"]}\n",
        {{"p", primary.address()}, {"c", canary.address()}})));
  ASSERT_TRUE(proxy);
  EXPECT_EQ(get(*proxy, "/", {{"x-canary", "insider"}}).body, "canary");
  EXPECT_EQ(get(*proxy, "/", {{"Cookie", "a=1; user=beta-7"}}).body, "canary");
  EXPECT_EQ(get(*proxy, "/", {{"Cookie", "user=alpha"}, {"x-canary", "other"}}).body != "", true);
  // Until the weighted route hands out the canary cookie, answers vary; afterwards they stick.
  std::string cookie;
  for (int i = 0; i < 100 && cookie.empty(); ++i) {
    auto r = get(*proxy, "/");
    auto it = r.headers.find("set-cookie");
    if (it != r.headers.end()) {
      EXPECT_EQ(r.body, "canary");
      cookie = it->second.substr(0, it->second.find(';'));
    }
  }
  ASSERT_EQ(cookie, "flagger-cookie=abc");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(get(*proxy, "/", {{"Cookie", cookie}}).body, "canary");
}

TEST(ProxyRoutingTest, MirrorsWithoutAffectingTheClient) {
  Backend primary("primary"), shadow("shadow", 500, 20);
  auto proxy = startProxy(baseConfig(R"(      - name: main
        route: [{cluster: primary}]
        mirror: {cluster: shadow, percentage: 100}
)", fill("  - {name: primary, endpoints: [\"{p}\"]}\n  - {name: shadow, endpoints: [\"{s}\"], workload: {name: podinfo, namespace: test}}\n",
        {{"p", primary.address()}, {"s", shadow.address()}})));
  ASSERT_TRUE(proxy);
  for (int i = 0; i < 20; ++i) {
    auto r = get(*proxy, "/", {{"Host", "podinfo.test"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "primary");  // the mirror's 500 never reaches the client
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (shadow.count() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(shadow.count(), 20);
  EXPECT_EQ(shadow.countForHost("podinfo.test-shadow"), 20);  // Istio's Host rewrite for mirrors
  EXPECT_EQ(waitRequestsTotal(*proxy, {"destination_workload=\"podinfo\"", "response_code=\"500\""}, 20), 20);
}

TEST(ProxyRoutingTest, RetriesHideAFailingEndpoint) {
  Backend good("good"), bad("bad", 503);
  auto proxy = startProxy(baseConfig(R"(      - name: main
        route: [{cluster: app}]
        retries: {attempts: 2, perTryTimeout: 1s, retryOn: "gateway-error,connect-failure,refused-stream"}
)", fill("  - {name: app, endpoints: [\"{g}\", \"{b}\", \"127.0.0.1:1\"]}\n", {{"g", good.address()}, {"b", bad.address()}})));
  ASSERT_TRUE(proxy);
  for (int i = 0; i < 60; ++i) EXPECT_EQ(get(*proxy, "/").status, 200);
  EXPECT_GT(bad.count(), 0);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\""}, 60), 60);
}

TEST(ProxyRoutingTest, PerTryTimeoutRetriesOnAnotherEndpoint) {
  Backend slow("slow", 200, 400), fast("fast");
  auto proxy = startProxy(baseConfig(R"(      - name: main
        route: [{cluster: app}]
        retries: {attempts: 1, perTryTimeout: 100ms, retryOn: reset}
        timeout: 2s
)", fill("  - {name: app, endpoints: [\"{s}\", \"{f}\"]}\n", {{"s", slow.address()}, {"f", fast.address()}})));
  ASSERT_TRUE(proxy);
  for (int i = 0; i < 6; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = get(*proxy, "/");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "fast");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(390));
  }
  // Round robin advances once per try, so with two endpoints every first try lands on "slow".
  EXPECT_EQ(slow.count(), 6);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}, 6), 6);
}

TEST(ProxyRoutingTest, OutlierDetectionEjectsAndLocalErrorsCarryFlags) {
  Backend good("good"), bad("bad", 500);
  auto proxy = startProxy(baseConfig(fill(R"(      - name: slow
        match: [{uri: {prefix: /delay}}]
        route: [{cluster: app}]
        timeout: 100ms
      - name: dead
        match: [{uri: {exact: /dead}}]
        route: [{cluster: dead}]
        retries: {attempts: 1, retryOn: connect-failure}
      - name: main
        route: [{cluster: app}]
)", {}), fill(R"(  - name: app
    endpoints: ["{g}", "{b}"]
    outlierDetection: {consecutive5xxErrors: 3, baseEjectionTime: 30s}
  - name: dead
    endpoints: ["127.0.0.1:1"]
    outlierDetection: {consecutiveGatewayErrors: 2, baseEjectionTime: 30s}
)", {{"g", good.address()}, {"b", bad.address()}})));
  ASSERT_TRUE(proxy);
  int errors = 0;
  for (int i = 0; i < 100; ++i) errors += get(*proxy, "/").status == 500 ? 1 : 0;
  EXPECT_EQ(errors, 3);  // three consecutive 500s eject the bad endpoint
  EXPECT_EQ(bad.count(), 3);
  EXPECT_NE(proxy->renderStats().find("aviary_proxy_outlier_ejections_total 1\n"), std::string::npos);
  // Timeout → 504 UT; connect failure (retried once) → 503 UF,URX; then ejected → 503 UH.
  EXPECT_EQ(get(*proxy, "/delay/400").status, 504);
  auto r = get(*proxy, "/dead");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("connection failure"), std::string::npos);
  EXPECT_EQ(get(*proxy, "/dead").status, 503);
  EXPECT_EQ(get(*proxy, "/dead").body, "no healthy upstream");
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"504\"", "response_flags=\"UT\""}, 1), 1);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"503\"", "response_flags=\"UF,URX\""}, 1), 1);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"503\"", "response_flags=\"UH\""}, 2), 2);
}

TEST(ProxyRoutingTest, AdminApiNeedsTokenAndRejectsBadConfigAtomically) {
  Backend a("a");
  const std::string clusters = fill("  - {name: a, endpoints: [\"{a}\"]}\n", {{"a", a.address()}});
  auto proxy = startProxy(baseConfig("      - route: [{cluster: a}]\n", clusters).replace(0, 16, "admin: {port: 0, token: s3cret}\n"));
  ASSERT_TRUE(proxy);
  const std::string admin = "http://127.0.0.1:" + std::to_string(proxy->adminPort());
  EXPECT_EQ(http::get(admin + "/ready")->status, 401);
  http::Request req;
  req.url = admin + "/config";
  req.bearerToken = "s3cret";
  auto cfg = http::perform(req);
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(cfg->status, 200);
  EXPECT_NE(cfg->body.find("\"token\": \"<redacted>\""), std::string::npos);
  req.method = "PUT";
  req.body = "listeners:\n  - name: main\n    routes:\n      - route: [{cluster: nope}]\nclusters:\n" + clusters;
  auto bad = http::perform(req);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("PUT /config:4:27: listeners[0].routes[0].route[0].cluster: unknown cluster"), std::string::npos)
      << bad->body;
  EXPECT_EQ(get(*proxy, "/").body, "a");  // the old config stays in force
}

TEST(ProxyRoutingTest, HotSwapUnderLoadFailsNoRequest) {
  Backend a("a"), b("b");
  auto config = [&](int wa) {
    return baseConfig(fill("      - name: r\n        route:\n          - {cluster: a, weight: {wa}}\n"
                           "          - {cluster: b, weight: {wb}}\n",
                           {{"wa", std::to_string(wa)}, {"wb", std::to_string(100 - wa)}}),
                      fill("  - {name: a, endpoints: [\"{a}\"]}\n  - {name: b, endpoints: [\"{b}\"]}\n",
                           {{"a", a.address()}, {"b", b.address()}}),
                      "workers: 2\n");
  };
  auto proxy = startProxy(config(100));
  ASSERT_TRUE(proxy);
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      RawClient c(proxy->listenerPort(0));
      for (int i = 0; i < 5000 && !stop; ++i) {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        (statusOf(c.readResponse()) == 200 ? ok : failed)++;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    auto cfg = decodeProxyConfig(config(i % 2 == 0 ? 0 : 100), "swap.yaml");
    ASSERT_TRUE(cfg.ok());
    ASSERT_TRUE(proxy->applyConfig(std::move(cfg.value())).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 100);
  EXPECT_GT(b.count(), 0);
  EXPECT_NE(proxy->renderStats().find("aviary_proxy_config_swaps_total 20\n"), std::string::npos);
}

TEST(ProxyRoutingTest, AbsoluteFormIsRoutedByItsAuthorityAndForwardedInOriginForm) {
  Backend a("a"), b("b");
  auto proxy = startProxy(baseConfig(R"(      - match: [{authority: {regex: "b\\.test(:80)?"}, uri: {prefix: /echo}}]
        route: [{cluster: b}]
      - route: [{cluster: a}]
)", fill("  - {name: a, endpoints: [\"{a}\"]}\n  - {name: b, endpoints: [\"{b}\"]}\n",
         {{"a", a.address()}, {"b", b.address()}})));
  ASSERT_TRUE(proxy);
  RawClient c(proxy->listenerPort(0));
  // The authority wins over a Host header that disagrees, and the path is matched as a path.
  c.send("GET http://b.test/echo?q=1 HTTP/1.1\r\nHost: a.test\r\n\r\n");
  std::string r = c.readResponse();
  ASSERT_EQ(statusOf(r), 200) << r;
  EXPECT_NE(bodyOf(r).find("host: b.test\n"), std::string::npos) << r;
  EXPECT_EQ(bodyOf(r).find("a.test"), std::string::npos) << r;
  EXPECT_EQ(b.countForHost("b.test"), 1);
  // No path: the backend is asked for "/".
  c.send("GET http://elsewhere.test HTTP/1.1\r\nHost: elsewhere.test\r\n\r\n");
  r = c.readResponse();
  EXPECT_EQ(statusOf(r), 200) << r;
  EXPECT_EQ(bodyOf(r), "a");
  // libcurl as an http_proxy client does the same.
  http::Request req;
  req.url = "http://b.test/echo";
  req.proxy = "http://127.0.0.1:" + std::to_string(proxy->listenerPort(0));
  auto viaProxy = http::perform(req);
  ASSERT_TRUE(viaProxy.ok()) << viaProxy.error().format();
  EXPECT_EQ(viaProxy->status, 200);
  EXPECT_EQ(b.countForHost("b.test"), 2);
}

}  // namespace
}  // namespace aviary::proxy::testing
