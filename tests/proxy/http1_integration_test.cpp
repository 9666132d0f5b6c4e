// HTTP/1.1 conformance of the proxy against a real backend: pipelining, chunked bodies,
// hop-by-hop headers, X-Forwarded-For, Host, limits (431/413/400) and slow clients.
#include <gtest/gtest.h>

#include "proxy_fixture.h"

namespace aviary::proxy::testing {
namespace {

class Http1Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    backend_ = new Backend("backend");
    proxy_ = startProxy(fill(R"(limits: {maxRequestHeadersBytes: 4096, maxRequestBodyBytes: 1000, idleTimeout: 3s}
admin: {enabled: false}
listeners:
  - name: main
    routes:
      - match: [{uri: {prefix: /old/}}]
        rewrite: {uri: /, authority: rewritten.local}
        route: [{cluster: be}]
      - route: [{cluster: be}]
        headers: {request: {set: {x-route: r1}, remove: [x-secret]}, response: {add: {x-proxied: yes}}}
clusters:
  - {name: be, endpoints: ["{be}"]}
)", {{"be", backend_->address()}})).release();
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete backend_;
  }
  static uint16_t port() { return proxy_->listenerPort(0); }
  static Backend* backend_;
  static ProxyServer* proxy_;
};
Backend* Http1Test::backend_ = nullptr;
ProxyServer* Http1Test::proxy_ = nullptr;

TEST_F(Http1Test, PipelinedRequestsAreAnsweredInOrder) {
  RawClient c(port());
  c.send("GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\nGET /status/202 HTTP/1.1\r\nHost: a\r\n\r\n"
         "GET /status/203 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(statusOf(c.readResponse()), 201);
  EXPECT_EQ(statusOf(c.readResponse()), 202);
  EXPECT_EQ(statusOf(c.readResponse()), 203);
}

TEST_F(Http1Test, ForwardsHeadersHostAndChunkedBody) {
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: podinfo.test:9898\r\nConnection: x-hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n"
         "X-Secret: s\r\nX-Forwarded-For: 10.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  std::string r = c.readResponse();
  ASSERT_EQ(statusOf(r), 200) << r;
  std::string body = bodyOf(r);
  EXPECT_NE(body.find("host: podinfo.test:9898\n"), std::string::npos) << body;
  EXPECT_NE(body.find("x-forwarded-for: 10.0.0.1, 127.0.0.1\n"), std::string::npos) << body;
  EXPECT_NE(body.find("x-route: r1\n"), std::string::npos);
  EXPECT_EQ(body.find("x-hop"), std::string::npos);
  EXPECT_EQ(body.find("keep-alive"), std::string::npos);
  EXPECT_EQ(body.find("x-secret"), std::string::npos);
  EXPECT_NE(body.find("body=hello world"), std::string::npos) << body;
  EXPECT_NE(r.find("x-proxied: yes\r\n"), std::string::npos);
  // The connection stays usable.
  c.send("GET /status/202 HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(statusOf(c.readResponse()), 202);
}

TEST_F(Http1Test, RewritesPathAndAuthority) {
  RawClient c(port());
  c.send("GET /old/echo?x=1 HTTP/1.1\r\nHost: original\r\n\r\n");
  std::string r = c.readResponse();
  ASSERT_EQ(statusOf(r), 200) << r;  // only /echo answers with the request headers
  EXPECT_NE(bodyOf(r).find("host: rewritten.local\n"), std::string::npos) << r;
  EXPECT_EQ(bodyOf(r).find("original"), std::string::npos) << r;
}

TEST_F(Http1Test, LimitsAndMalformedRequests) {
  {
    RawClient c(port());
    c.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(5000, 'x') + "\r\n\r\n");
    EXPECT_EQ(statusOf(c.readResponse()), 431);
    EXPECT_TRUE(c.closedByPeer());
  }
  {
    RawClient c(port());
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
    EXPECT_EQ(statusOf(c.readResponse()), 413);
  }
  {
    RawClient c(port());
    c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + std::string(2000, 'x') + "\r\n");
    EXPECT_EQ(statusOf(c.readResponse()), 413);
  }
  {
    RawClient c(port());
    c.send("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n");
    EXPECT_EQ(statusOf(c.readResponse()), 400);
  }
  {
    RawClient c(port());
    c.send("NOT A REQUEST\r\n\r\n");
    EXPECT_EQ(statusOf(c.readResponse()), 400);
  }
}

TEST_F(Http1Test, ExpectContinueAndConnectionClose) {
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  std::string interim = c.readResponse();
  EXPECT_EQ(statusOf(interim), 100);
  c.send("data");
  std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_NE(bodyOf(r).find("body=data"), std::string::npos);
  c.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  r = c.readResponse();
  EXPECT_NE(r.find("connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(Http1Test, SlowClientDoesNotDelayOthers) {
  // One client sends its request at one byte per second (for 3 s); another is served meanwhile.
  std::atomic<bool> done{false};
  std::thread slow([&] {
    RawClient c(port());
    const std::string req = "GET /status/200 HTTP/1.1\r\nHost: slow\r\n\r\n";
    for (size_t i = 0; i < 3; ++i) {
      c.send(req.substr(i, 1));
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    done = true;
  });
  RawClient fast(port());
  auto worst = std::chrono::milliseconds(0);
  int served = 0;
  for (; served < 100000 && !done; ++served) {
    auto t0 = std::chrono::steady_clock::now();
    fast.send("GET / HTTP/1.1\r\nHost: fast\r\n\r\n");
    ASSERT_EQ(statusOf(fast.readResponse()), 200);
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0));
  }
  slow.join();
  EXPECT_GT(served, 100);
  // Blocking behind the slow client would cost ~1 s (its byte interval); allow scheduling noise.
  EXPECT_LT(worst.count(), 900) << "a fast request waited behind the slow client";
}

TEST_F(Http1Test, IdleConnectionsAreClosedAfterIdleTimeout) {
  RawClient c(port());
  c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(statusOf(c.readResponse()), 200);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closedByPeer());  // idleTimeout 3s < the client's 5 s read timeout
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(2500));
}

}  // namespace
}  // namespace aviary::proxy::testing
