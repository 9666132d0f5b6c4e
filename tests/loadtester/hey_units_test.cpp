// Unit tests of the built-in hey: argument parsing, request serialization, response parsing,
// the latency histogram and the report format.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "loadtester/hey_errors.h"
#include "loadtester/hey_options.h"
#include "loadtester/hey_report.h"
#include "loadtester/latency_histogram.h"
#include "loadtester/response_parser.h"

namespace aviary::loadtester {
namespace {

TEST(HeyOptionsTest, ParsesHeysCommandLine) {
  auto o = parseHeyArgs({"-z", "1m", "-q", "10", "-c", "2", "-m", "post", "-H", "X-A: 1", "-H", "X-B:2", "-d", "body",
                         "-T", "application/json", "-A", "text/plain", "-t", "3", "-disable-keepalive",
                         "-disable-compression", "-o", "csv", "http://podinfo-canary.test:9898/x?y=1"});
  ASSERT_TRUE(o.ok()) << o.error().format();
  EXPECT_EQ(o->duration, std::chrono::minutes(1));
  EXPECT_EQ(o->qps, 10);
  EXPECT_EQ(o->concurrency, 2);
  EXPECT_EQ(o->method, "POST");
  EXPECT_EQ(o->timeout, std::chrono::seconds(3));
  EXPECT_TRUE(o->disableKeepAlive);
  EXPECT_EQ(o->output, "csv");
  auto t = buildHeyTarget(*o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->connectHost, "podinfo-canary.test");
  EXPECT_EQ(t->connectPort, 9898);
  EXPECT_EQ(t->request,
            "POST /x?y=1 HTTP/1.1\r\nHost: podinfo-canary.test:9898\r\nUser-Agent: hey/0.0.1\r\n"
            "Content-Type: application/json\r\nX-A: 1\r\nX-B: 2\r\nAccept: text/plain\r\nConnection: close\r\n"
            "Content-Length: 4\r\n\r\nbody");
}

TEST(HeyOptionsTest, DefaultsLikeHey) {
  auto o = parseHeyArgs({"http://127.0.0.1/"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->requests, 200);
  EXPECT_EQ(o->concurrency, 50);
  EXPECT_EQ(o->timeout, std::chrono::seconds(20));
  auto t = buildHeyTarget(*o);
  EXPECT_EQ(t->request,
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: hey/0.0.1\r\nContent-Type: text/html\r\n"
            "Accept-Encoding: gzip\r\n\r\n");
  EXPECT_TRUE(t->autoGzip);
}

TEST(HeyOptionsTest, ProxyUsesAbsoluteFormAndHostOverride) {
  auto o = parseHeyArgs({"-x", "127.0.0.1:3128", "-host", "example.com", "-a", "u:p", "http://svc:8080/p"});
  ASSERT_TRUE(o.ok()) << o.error().format();
  auto t = buildHeyTarget(*o);
  EXPECT_EQ(t->connectHost, "127.0.0.1");
  EXPECT_EQ(t->connectPort, 3128);
  EXPECT_EQ(t->request.substr(0, t->request.find("\r\n")), "GET http://svc:8080/p HTTP/1.1");
  EXPECT_NE(t->request.find("Host: example.com\r\n"), std::string::npos);
  EXPECT_NE(t->request.find("Authorization: Basic dTpw\r\n"), std::string::npos);
}

// An environment of the given variables only.
EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(HeyOptionsTest, HttpProxyFromTheEnvironmentSendsServiceNamesThroughTheMesh) {
  auto o = parseHeyArgs({"http://podinfo-canary.test:9898/"}, envOf({{"http_proxy", "http://127.0.0.1:15001/"}}));
  ASSERT_TRUE(o.ok()) << o.error().format();
  EXPECT_EQ(o->proxy, "127.0.0.1:15001");
  auto t = buildHeyTarget(*o);
  EXPECT_EQ(t->connectHost, "127.0.0.1");
  EXPECT_EQ(t->connectPort, 15001);
  EXPECT_EQ(t->request.substr(0, t->request.find("\r\n")), "GET http://podinfo-canary.test:9898/ HTTP/1.1");
  // Loopback, no_proxy and an explicit -x are not overridden.
  EXPECT_EQ(parseHeyArgs({"http://127.0.0.1:9898/"}, envOf({{"HTTP_PROXY", "127.0.0.1:1"}}))->proxy, "");
  EXPECT_EQ(parseHeyArgs({"http://localhost/"}, envOf({{"HTTP_PROXY", "127.0.0.1:1"}}))->proxy, "");
  EXPECT_EQ(parseHeyArgs({"http://a.example.com/"}, envOf({{"http_proxy", "p:1"}, {"no_proxy", "x, example.com"}}))->proxy, "");
  EXPECT_EQ(parseHeyArgs({"http://example.com/"}, envOf({{"http_proxy", "p:1"}, {"NO_PROXY", ".example.com"}}))->proxy, "p:1");
  EXPECT_EQ(parseHeyArgs({"http://svc:81/"}, envOf({{"http_proxy", "p:1"}, {"no_proxy", "svc:80"}}))->proxy, "p:1");
  EXPECT_EQ(parseHeyArgs({"http://svc/"}, envOf({{"http_proxy", "p:1"}, {"no_proxy", "*"}}))->proxy, "");
  EXPECT_EQ(parseHeyArgs({"-x", "q:2", "http://svc/"}, envOf({{"http_proxy", "p:1"}}))->proxy, "q:2");
  EXPECT_EQ(parseHeyArgs({"http://svc/"}, envOf({{"http_proxy", "http://user:pw@p:3"}}))->proxy, "p:3");
  auto bad = parseHeyArgs({"http://svc/"}, envOf({{"http_proxy", "socks5://p:1"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("only http:// proxies"), std::string::npos) << bad.error().message;
}

TEST(HeyOptionsTest, RedirectRequestsFollowGoRules) {
  auto o = parseHeyArgs({"-m", "POST", "-d", "x", "http://h:81/a"});
  ASSERT_TRUE(o.ok());
  auto t = buildHeyTarget(*o);
  EXPECT_EQ(redirectRequest(*t, 302, "/b?c").substr(0, 21), "GET /b?c HTTP/1.1\r\nHo");
  EXPECT_EQ(redirectRequest(*t, 302, "/b").find("Content-Length"), std::string::npos);
  EXPECT_EQ(redirectRequest(*t, 307, "http://H:81/c").substr(0, 19), "POST /c HTTP/1.1\r\nH");
  EXPECT_NE(redirectRequest(*t, 308, "/c").find("Content-Length: 1\r\n\r\nx"), std::string::npos);
  EXPECT_EQ(redirectRequest(*t, 302, "http://other/"), "");
  EXPECT_EQ(redirectRequest(*t, 302, "//other/"), "");
  EXPECT_EQ(redirectRequest(*t, 302, "relative"), "");
}

TEST(HeyOptionsTest, RejectsBadInputLikeHey) {
  EXPECT_EQ(parseHeyArgs({"-n", "10", "-c", "20", "http://x/"}).error().message, "-n cannot be less than -c.");
  EXPECT_EQ(parseHeyArgs({"-c", "0", "http://x/"}).error().message, "-c cannot be smaller than 1.");
  EXPECT_NE(parseHeyArgs({"-H", "nocolon", "http://x/"}).error().message.find("could not parse"), std::string::npos);
  EXPECT_NE(parseHeyArgs({"https://x/"}).error().message.find("https"), std::string::npos);
  EXPECT_NE(parseHeyArgs({"ftp://x/"}).error().message.find("invalid URL"), std::string::npos);
  EXPECT_EQ(parseHeyArgs({}).error().message, "missing URL");
  EXPECT_FALSE(parseHeyArgs({"-o", "json", "http://x/"}).ok());
  EXPECT_FALSE(parseHeyArgs({"-z", "soon", "http://x/"}).ok());
  EXPECT_EQ(parseHeyArgs({"-h"}).error().code, ErrorCode::NotFound);
}

ResponseParser::State feedAll(ResponseParser& p, const std::string& data, size_t step, size_t* total) {
  *total = 0;
  ResponseParser::State s = ResponseParser::State::NeedMore;
  for (size_t i = 0; i < data.size() && s == ResponseParser::State::NeedMore; i += step) {
    size_t used = 0;
    s = p.feed(data.data() + i, std::min(step, data.size() - i), &used);
    *total += used;
  }
  return s;
}

TEST(ResponseParserTest, ContentLengthAtAnySplit) {
  std::string resp = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\nContent-Encoding: gzip\r\n\r\nhelloNEXT";
  for (size_t step : {1u, 2u, 7u, 1000u}) {
    ResponseParser p;
    p.reset(false);
    size_t used = 0;
    ASSERT_EQ(feedAll(p, resp, step, &used), ResponseParser::State::Done) << step;
    EXPECT_EQ(p.status(), 503);
    EXPECT_EQ(p.contentLength(), 5);
    EXPECT_TRUE(p.gzip());
    EXPECT_TRUE(p.keepAlive());
    EXPECT_EQ(used, resp.size() - 4) << step;
  }
}

TEST(ResponseParserTest, ChunkedWithExtensionsAndTrailers) {
  std::string resp =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
  for (size_t step : {1u, 3u, 1000u}) {
    ResponseParser p;
    p.reset(false);
    size_t used = 0;
    ASSERT_EQ(feedAll(p, resp, step, &used), ResponseParser::State::Done) << step;
    EXPECT_EQ(used, resp.size());
    EXPECT_EQ(p.contentLength(), -1);
  }
}

TEST(ResponseParserTest, NoBodyCasesAndCloseDelimited) {
  ResponseParser p;
  size_t used = 0;
  p.reset(true);
  std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";
  EXPECT_EQ(p.feed(head.data(), head.size(), &used), ResponseParser::State::Done);
  p.reset(false);
  std::string s204 = "HTTP/1.1 204 No Content\r\n\r\n";
  EXPECT_EQ(p.feed(s204.data(), s204.size(), &used), ResponseParser::State::Done);
  p.reset(false);
  std::string s100 = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(p.feed(s100.data(), s100.size(), &used), ResponseParser::State::Done);
  EXPECT_EQ(p.status(), 201);
  p.reset(false);
  std::string close = "HTTP/1.0 200 OK\r\n\r\nbody";
  EXPECT_EQ(p.feed(close.data(), close.size(), &used), ResponseParser::State::NeedMore);
  EXPECT_FALSE(p.keepAlive());
  EXPECT_EQ(p.onEof(), ResponseParser::State::Done);
  p.reset(false);
  std::string cut = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  EXPECT_EQ(p.feed(cut.data(), cut.size(), &used), ResponseParser::State::NeedMore);
  EXPECT_EQ(p.onEof(), ResponseParser::State::Error);
  p.reset(false);
  std::string bad = "HTTX/1.1 200 OK\r\n\r\n";
  EXPECT_EQ(p.feed(bad.data(), bad.size(), &used), ResponseParser::State::Error);
}

TEST(LatencyHistogramTest, PercentilesWithinBucketPrecision) {
  LatencyHistogram h;
  std::vector<int64_t> values;
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(13.0, 1.0);  // ~0.4 ms median, long tail
  for (int i = 0; i < 100000; ++i) {
    auto v = static_cast<int64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  for (uint64_t rank : {0ul, 10000ul, 50000ul, 99000ul, 99999ul}) {
    double exact = static_cast<double>(values[rank]);
    EXPECT_NEAR(static_cast<double>(h.valueAtRank(rank)), exact, exact * 0.002 + 1) << rank;
  }
  LatencyHistogram other;
  other.record(5);
  h.merge(other);
  EXPECT_EQ(h.min(), 5);
  EXPECT_EQ(h.count(), values.size() + 1);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int64_t v : {0, 1, 2, 1023}) h.record(v);
  EXPECT_EQ(h.valueAtRank(0), 0);
  EXPECT_EQ(h.valueAtRank(2), 2);
  EXPECT_EQ(h.valueAtRank(3), 1023);
}

TEST(HeyReportTest, SummaryLayoutMatchesHey) {
  HeyResult r;
  r.elapsed = std::chrono::milliseconds(500);
  for (int i = 1; i <= 100; ++i) r.stats.latency.record(i * 100000);  // 0.1 .. 10 ms
  for (auto* p : {&r.stats.conn, &r.stats.dns, &r.stats.write, &r.stats.wait, &r.stats.read}) p->add(0);
  r.stats.statusCounts[200] = 90;
  r.stats.statusCounts[500] = 10;
  r.stats.responses = 100;
  r.stats.errorCount = 2;
  r.stats.errors["Get \"http://x/\": EOF"] = 2;
  r.stats.sizeTotal = 3200;
  std::string s = formatHeySummary(r);
  std::string head =
      "\nSummary:\n  Total:\t0.5000 secs\n  Slowest:\t0.0100 secs\n  Fastest:\t0.0001 secs\n  Average:\t0.0050 secs\n"
      "  Requests/sec:\t204.0000\n";
  EXPECT_EQ(s.substr(0, head.size()), head);
  EXPECT_NE(s.find("  \n  Total data:\t3200 bytes\n  Size/request:\t32 bytes\n\nResponse time histogram:\n  0.000 [1]\t|"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("\n\n\nLatency distribution:\n  10% in 0.0011 secs\n  25% in 0.0026 secs\n  50% in 0.0051 secs\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("  99% in 0.0100 secs\n\nDetails (average, fastest, slowest):\n  DNS+dialup:\t0.0000 secs"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("\nStatus code distribution:\n  [200]\t90 responses\n  [500]\t10 responses\n\n"
                   "Error distribution:\n  [2]\tGet \"http://x/\": EOF\n\n"),
            std::string::npos)
      << s;
}

TEST(HeyReportTest, OnlyErrorsPrintsNaNLikeHey) {
  HeyResult r;
  r.elapsed = std::chrono::milliseconds(1);
  r.stats.errorCount = 4;
  r.stats.errors["Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: connect: connection refused"] = 4;
  std::string s = formatHeySummary(r);
  EXPECT_NE(s.find("  Average:\t NaN secs\n  Requests/sec:\t4000.0000\n  \n\nResponse time histogram:\n\n\n"
                   "Latency distribution:\n\nDetails"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("  DNS+dialup:\t NaN secs, 0.0000 secs, 0.0000 secs\n"), std::string::npos) << s;
}

TEST(HeyErrorsTest, WordedLikeGo) {
  EXPECT_EQ(formatHeyError(HeyErrorKind::Dial, ECONNREFUSED, nullptr, "GET", "http://127.0.0.1:1/", "127.0.0.1:1"),
            "Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: connect: connection refused");
  EXPECT_EQ(formatHeyError(HeyErrorKind::Eof, 0, nullptr, "POST", "http://x/", "1.2.3.4:80"), "Post \"http://x/\": EOF");
  EXPECT_EQ(formatHeyError(HeyErrorKind::Parse, 0, "bad", "GET", "u", "a"), "Get \"u\": malformed HTTP response (bad)");
}

TEST(HeyReportTest, CsvHasHeysColumns) {
  HeyResult r;
  r.stats.records.push_back({1500000, 100000, 0, 0, 1300000, 100000, 200, 2000000});
  EXPECT_EQ(formatHeyCsv(r),
            "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset\n"
            "0.0015,0.0001,0.0000,0.0000,0.0013,0.0001,200,0.0020\n");
}

}  // namespace
}  // namespace aviary::loadtester
