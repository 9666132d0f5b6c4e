// HTTP/1.1 conformance of the proxy against a real backend: pipelining, chunked bodies,
// hop-by-hop headers, X-Forwarded-For, Host, limits (431/413/400) and slow clients.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/send_batch.h"
#include "proxy_fixture.h"

namespace aviary::proxy::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// A raw backend on 127.0.0.1 (port 0): one connection at a time, it reads one request head,
// answers "200 ok" with Content-Length and no "Connection: close", then closes the connection
// (every third one after 10 ms). The proxy therefore pools each connection as keep-alive, and
// the close reaches it later: while the connection is idle in the pool, or after the proxy sent
// the next request on it.
class ClosingBackend final : public RawBackend {
 public:
  ClosingBackend() { start(); }
  ~ClosingBackend() override { stop(); }
  int accepted() const { return accepted_.load(); }
  int answered() const { return answered_.load(); }

 private:
  void serve(int c) override {
    static constexpr char kResponse[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    ++accepted_;
    timeval tv{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string request;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    if (request.find("\r\n\r\n") != std::string::npos &&
        ::send(c, kResponse, sizeof kResponse - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof kResponse - 1)) {
      ++answered_;
    }
    // Every third connection lingers 10 ms before closing: a request the proxy sends on it
    // meanwhile is never read (the close then resets the connection).
    if (accepted_ % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  std::atomic<int> accepted_{0};
  std::atomic<int> answered_{0};
};

// The istio_requests_total lines of the proxy's stats (for failure messages).
std::string requestSeries(ProxyServer& proxy) {
  std::string text = proxy.renderStats();
  std::string out;
  for (size_t pos = 0; (pos = text.find("\nistio_requests_total{", pos)) != std::string::npos;) {
    size_t eol = text.find('\n', pos + 1);
    out += text.substr(pos + 1, eol - pos);
    pos = eol;
  }
  return out;
}

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
  // The config of a proxy of the test's own (its stats count only the test's requests) with one
  // route to `endpoint` (default: the suite's backend); `limits` is the YAML flow mapping of its
  // limits. `clusterFields` are more fields of the cluster's flow mapping (", idleTimeout: 1s"),
  // `topFields` more top-level lines ("batchSends: false\n").
  static std::string ownConfig(const std::string& limits, const std::string& endpoint = "",
                               const std::string& clusterFields = "", const std::string& topFields = "") {
    return fill(topFields + "limits: " + limits + R"(
admin: {enabled: false}
listeners:
  - name: main
    routes:
      - route: [{cluster: be}]
clusters:
  - {name: be, endpoints: ["{be}"]{more}}
)", {{"be", endpoint.empty() ? backend_->address() : endpoint}, {"more", clusterFields}});
  }
  static std::unique_ptr<ProxyServer> ownProxy(const std::string& limits, const std::string& endpoint = "",
                                               const std::string& clusterFields = "") {
    return startProxy(ownConfig(limits, endpoint, clusterFields));
  }
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

// A round's writes leave in one system call (batchSends, src/proxy/send_batch.h) or one by one.
// Either way every response arrives whole and in order, with many concurrent clients (so that
// rounds hold many writes), pipelined pairs, and bodies from empty to streamed (300 kB). The
// setting also changes with a config swap.
TEST_F(Http1Test, ConcurrentClientsGetExactResponsesWithAndWithoutBatchedSends) {
  const bool canBatch = SendBatch().enabled();
  const auto config = [](bool batched) {
    return ownConfig("{idleTimeout: 10s}", "", "", batched ? "batchSends: true\n" : "batchSends: false\n");
  };
  constexpr int kClients = 12, kRequests = 40;
  // Runs the clients; returns the number of responses that were not exactly the body asked for.
  const auto run = [](ProxyServer& proxy) {
    const size_t sizes[] = {0, 10, 1000, 70000, 300000};
    std::atomic<int> wrong{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < kClients; ++t) {
      clients.emplace_back([&, t] {
        RawClient c(proxy.listenerPort(0));
        for (int i = 0; i < kRequests; i += 2) {
          const size_t a = sizes[(t + i) % 5], b = sizes[(t + i + 1) % 5];
          c.send("GET /bytes/" + std::to_string(a) + " HTTP/1.1\r\nHost: a\r\n\r\nGET /bytes/" + std::to_string(b) +
                 " HTTP/1.1\r\nHost: a\r\n\r\n");
          for (const size_t size : {a, b}) {
            const std::string r = c.readResponse();
            if (statusOf(r) != 200 || bodyOf(r) != patternBody(size)) ++wrong;
          }
        }
      });
    }
    for (auto& c : clients) c.join();
    return wrong.load();
  };
  for (const bool batched : {true, false}) {
    SCOPED_TRACE(batched ? "batchSends: true" : "batchSends: false");
    auto proxy = startProxy(config(batched));
    ASSERT_TRUE(proxy);
    EXPECT_EQ(run(*proxy), 0);
    EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\""}, kClients * kRequests), kClients * kRequests);
    const double batches = gauge(*proxy, "aviary_proxy_send_batches_total");
    const double sends = gauge(*proxy, "aviary_proxy_batched_sends_total");
    if (batched && canBatch) {
      EXPECT_GT(batches, 0);
      EXPECT_GE(sends, batches);
    } else {
      EXPECT_EQ(batches, 0);
      EXPECT_EQ(sends, 0);
      // Switched on by a config swap, the workers batch from then on.
      auto on = decodeProxyConfig(config(true), "on.yaml");
      ASSERT_TRUE(on.ok()) << on.error().format();
      ASSERT_TRUE(proxy->applyConfig(std::move(on.value())).ok());
      EXPECT_EQ(run(*proxy), 0);
      if (canBatch) EXPECT_GT(gauge(*proxy, "aviary_proxy_send_batches_total"), 0);
    }
  }
  // Without io_uring only the sendmsg fallback was checked: say so rather than pass silently.
  if (!canBatch) {
    GTEST_SKIP() << "batched half not checked: io_uring unavailable (" << SendBatch().why()
                 << "); responses were checked through the sendmsg fallback";
  }
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
    // Bodies above maxRequestBodyBytes are refused when the limits say so (by default they are
    // streamed: upload_integration_test.cpp).
    auto strict = ownProxy("{maxRequestBodyBytes: 1000, largeRequestBodies: reject, idleTimeout: 3s}");
    RawClient c(strict->listenerPort(0));
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n");
    EXPECT_EQ(statusOf(c.readResponse()), 413);
    EXPECT_TRUE(c.closedByPeer());
    RawClient chunked(strict->listenerPort(0));
    chunked.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + std::string(2000, 'x') + "\r\n");
    EXPECT_EQ(statusOf(chunked.readResponse()), 413);
    EXPECT_EQ(waitRequestsTotal(*strict, {"response_code=\"413\"", "response_flags=\"DPE\""}, 2), 2);
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
  const std::vector<std::string> complete200 = {"response_code=\"200\"", "response_flags=\"-\""};
  const double before200 = settledRequestsTotal(*proxy_, complete200);  // the proxy is shared by the suite
  const double beforeCut = settledRequestsTotal(*proxy_, {"response_flags=\"DC\""});
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
  // Each request recorded once, as complete: closing after the last one cuts nothing off.
  EXPECT_EQ(waitRequestsTotal(*proxy_, complete200, before200 + 2), before200 + 2) << requestSeries(*proxy_);
  EXPECT_EQ(requestsTotal(*proxy_, {"response_flags=\"DC\""}), beforeCut) << requestSeries(*proxy_);
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

TEST_F(Http1Test, LargeResponseToASlowReader) {
  // A 4 MiB body to a client with a small receive window that first stops reading, then reads
  // at most 16 KiB per 2 ms: the proxy's writes to it come up short again and again and
  // must wait for EPOLLOUT, while another client on another connection keeps being served.
  constexpr size_t kSize = 4u << 20;
  // A proxy of its own: its stats count only this test's requests. maxResponseBytes (default
  // 64 MiB) is set explicitly above kSize; idleTimeout also bounds the whole response write.
  auto proxy = ownProxy("{maxResponseBytes: 16777216, idleTimeout: 10s}");
  ASSERT_TRUE(proxy);
  const uint16_t proxyPort = proxy->listenerPort(0);
  const auto testDeadline = steady_clock::now() + 30s;

  std::atomic<bool> started{false}, resume{false}, finished{false};
  std::string received;  // the slow client's whole response; read after join()
  std::string slowError;
  std::thread slow([&] {
    const int fd = connectLoopback(proxyPort, 16 * 1024);
    if (fd < 0) {
      slowError = "connect failed";
      started = finished = true;
      return;
    }
    const std::string request = "GET /bytes/" + std::to_string(kSize) + " HTTP/1.1\r\nHost: slow\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      slowError = "send failed";
    }
    char chunk[16 * 1024];
    size_t headEnd = std::string::npos;
    auto complete = [&] { return headEnd != std::string::npos && received.size() >= headEnd + 4 + kSize; };
    // Phase 1: the head and the first body bytes.
    while (slowError.empty() && steady_clock::now() < testDeadline) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        slowError = "closed or timed out before the body started";
        break;
      }
      received.append(chunk, static_cast<size_t>(n));
      headEnd = received.find("\r\n\r\n");
      if (headEnd != std::string::npos && received.size() > headEnd + 4) break;
    }
    started = true;
    // Phase 2: read nothing until the main thread has been served (at most 10 s).
    for (int i = 0; i < 1000 && !resume; ++i) std::this_thread::sleep_for(10ms);
    // Phase 3: read slowly.
    for (int i = 0; i < 100000 && slowError.empty() && !complete(); ++i) {
      if (steady_clock::now() >= testDeadline) {
        slowError = "gave up after 30 s";
        break;
      }
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) {
        slowError = "closed or timed out after " + std::to_string(received.size()) + " bytes";
        break;
      }
      received.append(chunk, static_cast<size_t>(n));
      std::this_thread::sleep_for(2ms);
    }
    ::close(fd);
    finished = true;
  });
  struct Joiner {
    std::thread& t;
    std::atomic<bool>& resume;
    ~Joiner() {  // also on an early return (ASSERT); the slow thread's loops are bounded
      resume = true;
      if (t.joinable()) t.join();
    }
  } joiner{slow, resume};

  for (int i = 0; i < 1000 && !started; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(started) << "the slow response did not start within 10 s";

  // While the slow client reads nothing, 20 requests on another connection are answered.
  RawClient fast(proxyPort);
  auto worst = 0ms;
  auto timedRequest = [&] {
    const auto t0 = steady_clock::now();
    fast.send("GET / HTTP/1.1\r\nHost: fast\r\n\r\n");
    std::string r = fast.readResponse();
    worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - t0));
    return r;
  };
  for (int i = 0; i < 20; ++i) {
    std::string r = timedRequest();
    ASSERT_EQ(statusOf(r), 200) << "request " << i << " while the slow client paused: " << r;
    ASSERT_EQ(bodyOf(r), "backend");
  }
  // A response is recorded once completely written: 20, not 21, shows the slow client's response
  // was still pending in a short write while the worker served the other connection.
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\""}, 20), 20)
      << "the large response was already fully written, so no write to the slow client came up short\n"
      << requestSeries(*proxy);

  // The slow client reads on; the other client keeps being served meanwhile.
  resume = true;
  int servedWhileReading = 0;
  while (!finished && servedWhileReading < 100000 && steady_clock::now() < testDeadline) {
    std::string r = timedRequest();
    ASSERT_EQ(statusOf(r), 200) << "request while the slow client reads: " << r;
    ++servedWhileReading;
  }
  slow.join();
  ASSERT_TRUE(slowError.empty()) << slowError;
  const size_t headEnd = received.find("\r\n\r\n");
  ASSERT_NE(headEnd, std::string::npos);
  std::string head = received.substr(0, headEnd + 4);
  EXPECT_EQ(statusOf(head), 200) << head;
  for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_NE(head.find("content-length: " + std::to_string(kSize) + "\r\n"), std::string::npos) << head;
  // Byte-exact, without printing megabytes on failure.
  const std::string expected = patternBody(kSize);
  const std::string_view body = std::string_view(received).substr(headEnd + 4);
  EXPECT_EQ(body.size(), kSize);
  size_t mismatch = 0;
  while (mismatch < std::min(body.size(), expected.size()) && body[mismatch] == expected[mismatch]) ++mismatch;
  EXPECT_EQ(mismatch, std::min(body.size(), expected.size())) << "first differing byte at offset " << mismatch;

  EXPECT_GT(servedWhileReading, 10);
  EXPECT_LT(worst.count(), 900) << "a request on the other connection waited behind the slow reader";
  // Everything recorded as a complete 200, nothing cut off (DC).
  const double total = 20 + servedWhileReading + 1;
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}, total), total)
      << requestSeries(*proxy);
  EXPECT_EQ(requestsTotal(*proxy, {}), total) << requestSeries(*proxy);
}

TEST_F(Http1Test, BackendClosingIdleConnectionsCausesNoErrors) {
  // The backend closes every connection right after its response, without saying so: the proxy
  // pools each one, and must then skip it (close seen while idle) or, when the next request got
  // to the connection first, retry on a fresh one, with no error and no retry budget (none set).
  ClosingBackend backend;
  auto proxy = ownProxy("{idleTimeout: 10s}", "127.0.0.1:" + std::to_string(backend.port()));
  ASSERT_TRUE(proxy);
  RawClient client(proxy->listenerPort(0));
  constexpr int kRequests = 50;
  for (int i = 0; i < kRequests; ++i) {
    client.send("GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: a\r\n\r\n");
    std::string r = client.readResponse();
    ASSERT_EQ(statusOf(r), 200) << "request " << i << ": " << r << "\n" << requestSeries(*proxy);
    EXPECT_EQ(bodyOf(r), "ok") << "request " << i;
    // After every other request, wait so that the close reaches the proxy while the connection
    // is idle in the pool; the other requests follow at once and race the close.
    if (i % 2 == 1) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}, kRequests), kRequests)
      << requestSeries(*proxy);
  // Nothing else was recorded: no UC, URX, UF (or any other flag or code).
  EXPECT_EQ(requestsTotal(*proxy, {}), kRequests) << requestSeries(*proxy);
  EXPECT_EQ(backend.answered(), kRequests);
  EXPECT_GE(backend.accepted(), kRequests);
}

TEST_F(Http1Test, IdleTimeoutCutsAStalledResponseButNotASlowOne) {
  // idleTimeout 1 s. The 12 MiB response is far larger than the proxy's socket send buffer
  // (at most 4 MiB with Linux's default tcp_wmem), so its writes come up short until the client
  // has read most of it. A client that keeps reading (16 KiB per 4 ms) gets all of it, although
  // that takes about 3 s; a client that stops reading is cut off and recorded as DC. (1 s, not
  // less: on a loaded 2-core machine the reading thread may not run for some hundred ms.)
  constexpr size_t kSize = 12u << 20;
  auto proxy = ownProxy("{idleTimeout: 1s}");
  ASSERT_TRUE(proxy);
  const std::string request = "GET /bytes/" + std::to_string(kSize) + " HTTP/1.1\r\nHost: t\r\n\r\n";
  auto fetch = [&](int fd, std::chrono::milliseconds pause, size_t stopAfter) {
    EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
    std::string got;
    char chunk[16 * 1024];
    const auto deadline = steady_clock::now() + 20s;
    for (int i = 0; i < 100000 && got.size() < stopAfter && steady_clock::now() < deadline; ++i) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      got.append(chunk, static_cast<size_t>(n));
      std::this_thread::sleep_for(pause);
    }
    return got;
  };

  const int slow = connectLoopback(proxy->listenerPort(0), 16 * 1024);
  ASSERT_GE(slow, 0);
  const auto t0 = steady_clock::now();
  const std::string all = fetch(slow, 4ms, SIZE_MAX);
  ::close(slow);
  const size_t headEnd = all.find("\r\n\r\n");
  ASSERT_NE(headEnd, std::string::npos);
  EXPECT_EQ(statusOf(all.substr(0, headEnd + 4)), 200);
  EXPECT_EQ(all.size() - headEnd - 4, kSize) << "the slowly read response was cut off";
  EXPECT_GT(steady_clock::now() - t0, 2000ms) << "too fast to show that idleTimeout did not apply";

  const int stalled = connectLoopback(proxy->listenerPort(0), 16 * 1024);
  ASSERT_GE(stalled, 0);
  const std::string first = fetch(stalled, 0ms, 1);  // the head arrives, then nothing is read
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_flags=\"DC\""}, 1), 1)
      << "the stalled response was not cut off\n" << requestSeries(*proxy);
  ::close(stalled);
  EXPECT_EQ(requestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}), 1) << requestSeries(*proxy);
}

TEST_F(Http1Test, ClientGoneWhileUpstreamCancelsTheRequest) {
  // Two clients give up on a request the backend holds for 1.5 s: one closes its connection, the
  // other half-closes it after sending. Both requests are cancelled at once (the upstream
  // connections are closed, not pooled) and recorded like Envoy does: response code 0, flag DC.
  auto proxy = ownProxy("{idleTimeout: 10s}");
  ASSERT_TRUE(proxy);
  const std::string request = "GET /delay/1500 HTTP/1.1\r\nHost: a\r\n\r\n";
  const auto t0 = steady_clock::now();
  {
    RawClient closing(proxy->listenerPort(0));
    closing.send(request);
    std::this_thread::sleep_for(50ms);  // the request is upstream by now
  }  // closed here
  const int halfClosing = connectLoopback(proxy->listenerPort(0), 64 * 1024);
  ASSERT_GE(halfClosing, 0);
  ASSERT_EQ(::send(halfClosing, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  ::shutdown(halfClosing, SHUT_WR);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"0\"", "response_flags=\"DC\""}, 2), 2) << requestSeries(*proxy);
  EXPECT_LT(steady_clock::now() - t0, 1200ms) << "recorded only when the backend answered";
  EXPECT_EQ(waitGauge(*proxy, "aviary_proxy_upstream_connections_active", 0), 0) << "upstream requests not cancelled";
  char c;
  EXPECT_EQ(::recv(halfClosing, &c, 1, 0), 0) << "the half-closed client got an answer";
  ::close(halfClosing);
  EXPECT_EQ(requestsTotal(*proxy, {}), 2) << requestSeries(*proxy);
}

TEST_F(Http1Test, ClientGoneIsAnsweredAnywayWithoutAbortOnClientClose) {
  // abortOnClientClose: false (HAProxy's default): the request runs to its end and the answer is
  // recorded with the backend's status.
  auto proxy = ownProxy("{idleTimeout: 10s, abortOnClientClose: false}");
  ASSERT_TRUE(proxy);
  {
    RawClient closing(proxy->listenerPort(0));
    closing.send("GET /delay/300 HTTP/1.1\r\nHost: a\r\n\r\n");
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\""}, 1), 1) << requestSeries(*proxy);
  EXPECT_EQ(requestsTotal(*proxy, {"response_code=\"0\""}), 0) << requestSeries(*proxy);
}

TEST_F(Http1Test, PooledConnectionsCloseAfterTheClusterIdleTimeout) {
  // The same request through a proxy whose cluster closes pooled connections after 300 ms and
  // through one with the default (1 h): the first pool empties, the second keeps its connection.
  auto shortLived = ownProxy("{idleTimeout: 10s}", "", ", idleTimeout: 300ms");
  auto kept = ownProxy("{idleTimeout: 10s}");
  ASSERT_TRUE(shortLived && kept);
  const auto t0 = steady_clock::now();
  for (ProxyServer* p : {shortLived.get(), kept.get()}) {
    RawClient client(p->listenerPort(0));
    client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_EQ(statusOf(client.readResponse()), 200);
  }
  EXPECT_EQ(gauge(*shortLived, "aviary_proxy_upstream_connections_active"), 1);
  EXPECT_EQ(waitGauge(*shortLived, "aviary_proxy_upstream_connections_active", 0), 0);
  EXPECT_GE(steady_clock::now() - t0, 300ms) << "closed before its idle timeout";
  EXPECT_EQ(gauge(*kept, "aviary_proxy_upstream_connections_active"), 1);
}

}  // namespace
}  // namespace aviary::proxy::testing
