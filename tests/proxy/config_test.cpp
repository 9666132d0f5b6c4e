#include <gtest/gtest.h>

#include "common/clock.h"
#include "proxy/config.h"
#include "proxy/retry_policy.h"
#include "proxy/snapshot.h"

namespace aviary::proxy {
namespace {

const char* kValid = R"(workers: 2
batchSends: false
limits: {abortOnClientClose: false, largeRequestBodies: reject}
listeners:
  - name: main
    port: 0
    routes:
      - name: sticky
        match:
          - headers:
              cookie: {regex: ".*canary=yes.*"}
          - cookies:
              flavour: {exact: canary}
        route:
          - cluster: canary
      - name: ab
        match:
          - headers: {x-user: {prefix: "insider-"}}
            uri: {prefix: /api}
        route: [{cluster: canary}]
      - name: split
        route:
          - {cluster: primary, weight: 90}
          - cluster: canary
            weight: 10
            headers: {response: {add: {Set-Cookie: "canary=yes; Max-Age=60"}}}
        mirror: {cluster: canary, percentage: 50}
        retries: {attempts: 2, perTryTimeout: 500ms, retryOn: "5xx,connect-failure"}
        timeout: 3s
clusters:
  - name: primary
    endpoints: ["127.0.0.1:1", "127.0.0.1:2"]
    loadBalancer: LEAST_REQUEST
    idleTimeout: 90s
    outlierDetection: {consecutive5xxErrors: 3, baseEjectionTime: 10s}
  - name: canary
    endpoints: ["127.0.0.1:3"]
    workload: {name: podinfo, namespace: test, version: v2}
)";

TEST(ProxyConfigTest, DecodesEveryField) {
  auto cfg = decodeProxyConfig(kValid, "proxy.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  EXPECT_EQ(cfg->workers, 2u);
  const RouteConfig& split = cfg->listeners[0].routes[2];
  EXPECT_EQ(split.route[1].weight, 10u);
  EXPECT_EQ(split.route[1].headers.response.add[0].first, "Set-Cookie");
  EXPECT_EQ(split.mirror->percentage, 50.0);
  EXPECT_EQ(split.retries.attempts, 2u);
  EXPECT_EQ(split.retries.perTryTimeout, Duration(500));
  EXPECT_EQ(split.retries.retryOn, kRetry5xx | kRetryConnectFailure);
  EXPECT_EQ(split.timeout, Duration(3000));
  EXPECT_EQ(cfg->clusters[0].loadBalancer, ClusterConfig::LbPolicy::LeastRequest);
  EXPECT_EQ(cfg->clusters[0].workload.workload, "primary");  // defaults to the cluster name
  EXPECT_EQ(cfg->clusters[1].workload.version, "v2");
  EXPECT_FALSE(cfg->limits.abortOnClientClose);
  EXPECT_EQ(cfg->limits.largeRequestBodies, Limits::LargeBodies::Reject);
  EXPECT_FALSE(cfg->batchSends);
  EXPECT_EQ(cfg->clusters[0].idleTimeout, Duration(90000));
  EXPECT_EQ(cfg->clusters[1].idleTimeout, Duration(3600000));  // Istio's default
  // GET /config's JSON decodes back to the same config.
  auto again = decodeProxyConfig(toJson(cfg.value()), "roundtrip.json");
  ASSERT_TRUE(again.ok()) << again.error().format();
  EXPECT_EQ(toJson(again.value()), toJson(cfg.value()));
}

// The proxy config goes through the shared YAML reader (yaml/file.h): a syntax error and a wrong
// type read `FILE:LINE:COL: field.path: expected..., found...` like every other file Aviary reads.
TEST(ProxyConfigTest, ErrorsReadLikeEveryOtherFile) {
  auto syntax = decodeProxyConfig("listeners:\n  - name: main\n    routes: [\n", "p.yaml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().message.rfind("p.yaml:4:1: invalid YAML: did not find expected node content", 0), 0u)
      << syntax.error().message;
  auto typed = decodeProxyConfig(
      "listeners:\n  - name: main\n    port: [80]\n    routes: {}\n    extra: 1\nclusters: x\n", "p.yaml");
  ASSERT_FALSE(typed.ok());
  const std::string msg = typed.error().message;
  EXPECT_NE(msg.find("p.yaml:3:11: listeners[0].port: expected a string, found a list"), std::string::npos) << msg;
  EXPECT_NE(msg.find("p.yaml:4:13: listeners[0].routes: expected a list, found an object"), std::string::npos) << msg;
  EXPECT_NE(msg.find("p.yaml:5:5: listeners[0].extra: unknown field \"extra\", expected one of: address, name, port, "
                     "reporter, routes, source"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("p.yaml:6:11: clusters: expected a list, found string \"x\""), std::string::npos) << msg;
}

TEST(ProxyConfigTest, ReportsEveryProblemWithPositionAndPath) {
  std::string bad = R"(listeners:
  - name: main
    routes:
      - route:
          - {cluster: primary, weight: 80}
          - {cluster: nope, weight: 10}
        retries: {attempts: 1, retryOn: "5xx,bogus"}
        timeout: soon
clusters:
  - name: primary
    endpoints: ["127.0.0.1"]
    colour: blue
    idleTimeout: -1s
limits: {abortOnClientClose: sometimes, largeRequestBodies: buffer}
batchSends: io_uring
)";
  auto cfg = decodeProxyConfig(bad, "bad.yaml");
  ASSERT_FALSE(cfg.ok());
  const std::string msg = cfg.error().message;
  EXPECT_NE(msg.find("bad.yaml:7:41: listeners[0].routes[0].retries.retryOn: unknown retryOn condition \"bogus\""),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:8:18: listeners[0].routes[0].timeout: expected a non-negative duration"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:11:17: clusters[0].endpoints[0]: expected \"host:port\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:12:5: clusters[0].colour: unknown field"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:13:18: clusters[0].idleTimeout: expected a non-negative duration"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:14:30: limits.abortOnClientClose: expected true or false"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:14:61: limits.largeRequestBodies: expected stream or reject, found \"buffer\""),
            std::string::npos) << msg;
  EXPECT_NE(msg.find("bad.yaml:15:13: batchSends: expected true or false"), std::string::npos) << msg;
  // Cross-field problems are reported in the same pass.
  EXPECT_NE(msg.find("bad.yaml:6:23: listeners[0].routes[0].route[1].cluster: unknown cluster \"nope\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("listeners[0].routes[0].route: weights must add up to 100, got 90"), std::string::npos) << msg;
}

TEST(ProxyConfigTest, SemanticErrorsCarryPositions) {
  std::string bad = R"(listeners:
  - name: main
    routes:
      - route:
          - {cluster: primary, weight: 80}
          - {cluster: nope, weight: 10}
clusters:
  - name: primary
    endpoints: ["127.0.0.1:80"]
)";
  auto cfg = decodeProxyConfig(bad, "bad.yaml");
  ASSERT_FALSE(cfg.ok());
  const std::string msg = cfg.error().message;
  EXPECT_NE(msg.find("bad.yaml:6:23: listeners[0].routes[0].route[1].cluster: unknown cluster \"nope\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("listeners[0].routes[0].route: weights must add up to 100, got 90"), std::string::npos) << msg;
}

TEST(ProxyConfigTest, AdminTokenFileAndAllowedHosts) {
  const std::string base = "listeners: [{name: m, routes: [{route: [{cluster: a}]}]}]\n"
                           "clusters: [{name: a, endpoints: [\"127.0.0.1:1\"]}]\n";
  auto cfg = decodeProxyConfig("admin: {tokenFile: /run/t, allowedHosts: [proxy.internal, p2]}\n" + base, "a.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  EXPECT_EQ(cfg->admin.tokenFile, "/run/t");
  EXPECT_EQ(cfg->admin.allowedHosts, (std::vector<std::string>{"proxy.internal", "p2"}));
  auto again = decodeProxyConfig(toJson(cfg.value()), "a.json");
  ASSERT_TRUE(again.ok()) << again.error().format();
  EXPECT_EQ(again->admin.allowedHosts, cfg->admin.allowedHosts);
  auto bad = decodeProxyConfig("admin: {allowedHosts: [ok, \"\", {a: b}]}\n" + base, "b.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().format().find("b.yaml:1:28: admin.allowedHosts[1]: expected a host name"), std::string::npos)
      << bad.error().format();
  EXPECT_NE(bad.error().format().find("admin.allowedHosts[2]"), std::string::npos) << bad.error().format();
}

TEST(ProxyConfigTest, SyntaxErrorHasPosition) {
  auto cfg = decodeProxyConfig("listeners: [\n", "x.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message.rfind("x.yaml:", 0), 0u) << cfg.error().message;
}

TEST(ProxyConfigTest, InvalidRegexIsRejected) {
  std::string bad = std::string(kValid);
  bad.replace(bad.find(".*canary=yes.*"), 14, "(unclosed");
  auto cfg = decodeProxyConfig(bad, "r.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("invalid RE2 regex \"(unclosed\""), std::string::npos);
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = decodeProxyConfig(kValid, "proxy.yaml");
    ASSERT_TRUE(cfg.ok());
    auto snap = Snapshot::build(cfg.value(), 1);
    ASSERT_TRUE(snap.ok()) << snap.error().format();
    snap_ = snap.value();
  }
  const CompiledRoute* route(const std::string& request) {
    text_ = request;
    // HTTP/1.1 needs a Host; these requests are about other fields.
    if (text_.find("\r\nHost:") == std::string::npos) text_.insert(text_.find("\r\n") + 2, "Host: t\r\n");
    size_t scan = 0;
    ParseError err;
    EXPECT_EQ(parseRequestHead(text_.data(), text_.size(), 8192, scan, head_, err), ParseStatus::Done);
    return Snapshot::match(snap_->listeners()[0], RequestView{text_.data(), &head_});
  }
  SnapshotPtr snap_;
  std::string text_;
  MessageHead head_;
};

TEST_F(SnapshotTest, MatchesHeadersCookiesAndUriInOrder) {
  EXPECT_EQ(route("GET / HTTP/1.1\r\nCookie: a=b; canary=yes\r\n\r\n")->config->name, "sticky");
  EXPECT_EQ(route("GET / HTTP/1.1\r\nCookie: a=b; flavour=canary\r\n\r\n")->config->name, "sticky");
  EXPECT_EQ(route("GET / HTTP/1.1\r\nCookie: flavour=canaryX\r\n\r\n")->config->name, "split");
  EXPECT_EQ(route("GET /api/v1 HTTP/1.1\r\nX-User: insider-7\r\n\r\n")->config->name, "ab");
  EXPECT_EQ(route("GET /web HTTP/1.1\r\nX-User: insider-7\r\n\r\n")->config->name, "split");  // uri must match too
  EXPECT_EQ(route("GET /api HTTP/1.1\r\nX-User: outsider\r\n\r\n")->config->name, "split");
}

TEST_F(SnapshotTest, WeightedSplitIsAccurate) {
  const CompiledRoute& split = snap_->listeners()[0].routes[2];
  SeededRandom rng(42);
  int canary = 0;
  const int picks = 100000;
  for (int i = 0; i < picks; ++i) {
    canary += Snapshot::pick(split, rng.next(~0ull)).cluster == 1 ? 1 : 0;
  }
  EXPECT_NEAR(canary / static_cast<double>(picks), 0.10, 0.005);
}

TEST(SnapshotMatchTest, IstioMatchFieldsAndRewrite) {
  auto cfg = decodeProxyConfig(R"(listeners:
  - name: main
    routes:
      - name: api
        match:
          - uri: {prefix: /API/}
            ignoreUriCase: true
            method: {exact: GET}
            authority: {regex: "podinfo(\\.test)?"}
            queryParams: {v: {exact: "2"}}
            withoutHeaders: {x-skip: {exact: "1"}}
        rewrite: {uri: /v2/, authority: backend.local}
        route: [{cluster: a}]
      - name: rest
        route: [{cluster: a}]
clusters: [{name: a, endpoints: ["127.0.0.1:1"]}]
)", "m.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  auto again = decodeProxyConfig(toJson(cfg.value()), "m.json");  // new fields survive GET /config
  ASSERT_TRUE(again.ok()) << again.error().format();
  EXPECT_EQ(toJson(again.value()), toJson(cfg.value()));
  auto snap = Snapshot::build(cfg.value(), 1);
  ASSERT_TRUE(snap.ok());
  std::string text;
  MessageHead head;
  const CompiledMatch* which = nullptr;
  auto route = [&](const std::string& request) {
    text = request;
    size_t scan = 0;
    ParseError err;
    EXPECT_EQ(parseRequestHead(text.data(), text.size(), 8192, scan, head, err), ParseStatus::Done);
    return Snapshot::match((*snap)->listeners()[0], RequestView{text.data(), &head}, &which)->config->name;
  };
  EXPECT_EQ(route("GET /api/x?a=1&v=2 HTTP/1.1\r\nHost: podinfo.test\r\n\r\n"), "api");
  std::string target;
  Snapshot::rewriteTarget("/api/x?a=1&v=2", *cfg->listeners[0].routes[0].rewrite, which, target);
  EXPECT_EQ(target, "/v2/x?a=1&v=2");
  EXPECT_EQ(route("POST /api/x?v=2 HTTP/1.1\r\nHost: podinfo\r\n\r\n"), "rest");            // method
  EXPECT_EQ(route("GET /api/x?v=2 HTTP/1.1\r\nHost: other\r\n\r\n"), "rest");              // authority
  EXPECT_EQ(route("GET /api/x?v=3 HTTP/1.1\r\nHost: podinfo\r\n\r\n"), "rest");            // query
  EXPECT_EQ(route("GET /api/x?v=2 HTTP/1.1\r\nHost: podinfo\r\nX-Skip: 1\r\n\r\n"), "rest");  // without
  EXPECT_EQ(route("GET /apix?v=2 HTTP/1.1\r\nHost: podinfo\r\n\r\n"), "rest");              // uri
  // Absolute-form: the target's authority replaces Host and its path is matched as a path.
  EXPECT_EQ(route("GET http://podinfo/api/x?v=2 HTTP/1.1\r\nHost: other\r\n\r\n"), "api");
  EXPECT_EQ(route("GET HTTP://other/api/x?v=2 HTTP/1.1\r\nHost: podinfo\r\n\r\n"), "rest");
  EXPECT_EQ(route("GET http://podinfo.test/apix?v=2 HTTP/1.1\r\nHost: podinfo\r\n\r\n"), "rest");
}

TEST(RetryPolicyTest, RetryOnConditions) {
  RetryPolicy p;
  p.attempts = 1;
  p.retryOn = kRetryGatewayError | kRetryConnectFailure | kRetryRefusedStream;  // the seed's policy
  EXPECT_TRUE(isRetriable(p, RetryCause::Response, 503));
  EXPECT_FALSE(isRetriable(p, RetryCause::Response, 500));
  EXPECT_FALSE(isRetriable(p, RetryCause::Response, 409));
  EXPECT_TRUE(isRetriable(p, RetryCause::ConnectFailure, 0));
  EXPECT_TRUE(isRetriable(p, RetryCause::Refused, 0));
  EXPECT_TRUE(isRetriable(p, RetryCause::PerTryTimeout, 0));
  EXPECT_FALSE(isRetriable(p, RetryCause::Other, 0));
  p.retryOn = kRetryRetriable4xx;
  EXPECT_TRUE(isRetriable(p, RetryCause::Response, 409));
  EXPECT_FALSE(isRetriable(p, RetryCause::Reset, 0));
  p.retryOn = kRetryReset;
  EXPECT_TRUE(isRetriable(p, RetryCause::Reset, 0));
  EXPECT_FALSE(isRetriable(p, RetryCause::Response, 503));
  p.retryOn = kRetry5xx;
  EXPECT_TRUE(isRetriable(p, RetryCause::Response, 500));
  EXPECT_TRUE(isRetriable(p, RetryCause::ConnectFailure, 0));
}

TEST(StatsTest, FlagsAndMergedExposition) {
  EXPECT_EQ(formatResponseFlags(0), "-");
  EXPECT_EQ(formatResponseFlags(kFlagUF | kFlagURX), "UF,URX");
  StatsRegistry reg;
  auto t1 = reg.addThread();
  auto t2 = reg.addThread();
  auto labels = std::make_shared<LabelSet>(LabelSet{"reporter=\"destination\""});
  auto same = std::make_shared<LabelSet>(LabelSet{"reporter=\"destination\""});  // equal text, other object
  t1->record(labels, 200, 0, 3.0, 10, 20);
  t2->record(same, 200, 0, 700.0, 0, 5);
  t2->record(same, 503, kFlagUH, 0.2, 0, 19);
  std::string out = reg.renderPrometheus();
  EXPECT_NE(out.find("istio_requests_total{reporter=\"destination\",response_code=\"200\",response_flags=\"-\"} 2\n"),
            std::string::npos) << out;
  EXPECT_NE(out.find("istio_requests_total{reporter=\"destination\",response_code=\"503\",response_flags=\"UH\"} 1\n"),
            std::string::npos);
  EXPECT_NE(out.find("istio_request_duration_milliseconds_bucket{reporter=\"destination\",response_code=\"200\","
                     "response_flags=\"-\",le=\"5\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("istio_request_duration_milliseconds_bucket{reporter=\"destination\",response_code=\"200\","
                     "response_flags=\"-\",le=\"1000\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("istio_request_duration_milliseconds_sum{reporter=\"destination\",response_code=\"200\","
                     "response_flags=\"-\"} 703\n"), std::string::npos);
  EXPECT_NE(out.find("istio_response_bytes_count{reporter=\"destination\",response_code=\"200\",response_flags=\"-\"} 2\n"),
            std::string::npos);
}

}  // namespace
}  // namespace aviary::proxy
