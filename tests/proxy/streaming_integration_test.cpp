// Streamed responses: a response whose body is not complete when its head arrives is passed on
// part by part (Server-Sent Events, long downloads), with the route timeout, a backend failing
// mid-body and a client leaving mid-body each recorded the way Envoy records them.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "proxy_fixture.h"

namespace aviary::proxy::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// A raw backend on 127.0.0.1 (port 0) that answers every request with the same script: each step
// sends its bytes after waiting its delay. After the script it closes the connection when
// `closeAfter`, else it waits for the next request on it. One connection at a time; every wait
// is bounded (stop flag checked every 20 ms).
class ScriptedBackend final : public RawBackend {
 public:
  struct Step {
    std::chrono::milliseconds delay;
    std::string bytes;
  };
  ScriptedBackend(std::vector<Step> script, bool closeAfter) : script_(std::move(script)), closeAfter_(closeAfter) {
    start();
  }
  ~ScriptedBackend() override { stop(); }
  int requests() const { return requests_.load(); }

 private:
  void serve(int c) override {
    std::string in;
    char buf[4096];
    while (!stopping()) {
      while (in.find("\r\n\r\n") == std::string::npos) {
        if (!waitReadable(c, 5s)) return;
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) return;
        in.append(buf, static_cast<size_t>(n));
      }
      in.erase(0, in.find("\r\n\r\n") + 4);
      ++requests_;
      for (const Step& step : script_) {
        for (auto end = steady_clock::now() + step.delay; !stopping() && steady_clock::now() < end;) {
          std::this_thread::sleep_for(5ms);
        }
        if (::send(c, step.bytes.data(), step.bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(step.bytes.size())) {
          return;
        }
      }
      if (closeAfter_) return;
    }
  }

  std::vector<Step> script_;
  bool closeAfter_;
  std::atomic<int> requests_{0};
};

std::unique_ptr<ProxyServer> proxyTo(const ScriptedBackend& backend, const std::string& routeTimeout = "0s",
                                     const std::string& retries = "{attempts: 0}") {
  return startProxyTo(backend.endpoint(), ", timeout: " + routeTimeout + ", retries: " + retries);
}

// A blocking client socket with a 5 s receive timeout.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(connectLoopback(port)) { EXPECT_GE(fd_, 0); }
  ~Client() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void send(const std::string& bytes) {
    EXPECT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `text` has arrived; false on close, error or timeout.
  bool readUntil(const std::string& text) {
    while (got.find(text) == std::string::npos) {
      if (!readSome()) return false;
    }
    return true;
  }
  // Reads until the peer closes; true when it did (rather than the 5 s timeout hitting).
  bool readToClose() {
    while (readSome()) {
    }
    return closed;
  }
  std::string got;
  bool closed = false;

 private:
  bool readSome() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed = n == 0 || errno == ECONNRESET;
      return false;
    }
    got.append(buf, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
};

const std::string kRequest = "GET /events HTTP/1.1\r\nHost: s\r\n\r\n";
// A chunked response's head and first chunk ("first\n").
const std::string kChunkedStart = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n";

TEST(StreamingTest, ChunkedPartsArriveAsTheBackendSendsThem) {
  // The second part follows 500 ms after the first: the client must have the first long before.
  ScriptedBackend backend({{0ms, kChunkedStart}, {500ms, "5\r\nlast\n\r\n0\r\n\r\n"}}, false);
  auto proxy = proxyTo(backend);
  ASSERT_TRUE(proxy);
  Client client(proxy->listenerPort(0));
  for (int i = 0; i < 2; ++i) {  // twice on one connection: the connection stays usable
    const auto t0 = steady_clock::now();
    client.send(kRequest);
    ASSERT_TRUE(client.readUntil("first\n")) << client.got;
    EXPECT_LT(steady_clock::now() - t0, 400ms) << "the first part waited for the rest";
    EXPECT_EQ(client.got.find("last"), std::string::npos);
    ASSERT_TRUE(client.readUntil("0\r\n\r\n")) << client.got;
    EXPECT_NE(client.got.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << client.got;
    EXPECT_EQ(bodyOf(client.got), "6\r\nfirst\n\r\n5\r\nlast\n\r\n0\r\n\r\n");
    client.got.clear();
  }
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}, 2), 2);
  const std::string stats = proxy->renderStats();
  EXPECT_NE(stats.find("istio_response_bytes_sum{"), std::string::npos);
  EXPECT_NE(stats.find("} 22\n"), std::string::npos) << "response bytes: 2 x 11 payload bytes\n" << stats;
  EXPECT_EQ(backend.requests(), 2);
}

TEST(StreamingTest, CloseDelimitedBodyIsPassedOnAndClosed) {
  ScriptedBackend backend({{0ms, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart1."}, {300ms, "part2."}}, true);
  auto proxy = proxyTo(backend);
  ASSERT_TRUE(proxy);
  Client client(proxy->listenerPort(0));
  const auto t0 = steady_clock::now();
  client.send(kRequest);
  ASSERT_TRUE(client.readUntil("part1.")) << client.got;
  EXPECT_LT(steady_clock::now() - t0, 250ms);
  ASSERT_TRUE(client.readToClose()) << client.got;
  EXPECT_EQ(bodyOf(client.got), "part1.part2.");
  EXPECT_NE(client.got.find("connection: close\r\n"), std::string::npos) << client.got;
  EXPECT_EQ(client.got.find("content-length"), std::string::npos) << client.got;
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}, 1), 1);
}

TEST(StreamingTest, BackendClosingMidBodyCutsTheClientOff) {
  // 10 bytes announced, 5 sent, then the backend closes: the client sees its connection closed
  // after those 5 bytes (how HTTP/1.1 says "incomplete"), recorded as 200 with flag UC.
  ScriptedBackend backend({{0ms, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"}, {100ms, ""}}, true);
  auto proxy = proxyTo(backend);
  ASSERT_TRUE(proxy);
  Client client(proxy->listenerPort(0));
  client.send(kRequest);
  ASSERT_TRUE(client.readToClose()) << client.got;
  EXPECT_EQ(bodyOf(client.got), "hello");
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"UC\""}, 1), 1);
}

TEST(StreamingTest, RouteTimeoutCutsAStreamThatRunsTooLong) {
  ScriptedBackend backend({{0ms, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"}, {3000ms, "world"}}, false);
  auto proxy = proxyTo(backend, "400ms");
  ASSERT_TRUE(proxy);
  Client client(proxy->listenerPort(0));
  const auto t0 = steady_clock::now();
  client.send(kRequest);
  ASSERT_TRUE(client.readToClose()) << client.got;
  const auto took = steady_clock::now() - t0;
  EXPECT_EQ(bodyOf(client.got), "hello");
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 2500ms);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"UT\""}, 1), 1);
  EXPECT_EQ(waitGauge(*proxy, "aviary_proxy_upstream_connections_active", 0), 0);
}

TEST(StreamingTest, ClientLeavingMidStreamClosesTheBackendConnection) {
  ScriptedBackend backend({{0ms, kChunkedStart}, {3000ms, "0\r\n\r\n"}}, false);
  auto proxy = proxyTo(backend);
  ASSERT_TRUE(proxy);
  Client client(proxy->listenerPort(0));
  client.send(kRequest);
  ASSERT_TRUE(client.readUntil("first\n")) << client.got;
  EXPECT_EQ(gauge(*proxy, "aviary_proxy_upstream_connections_active"), 1);
  client.close();
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"DC\""}, 1), 1);
  EXPECT_EQ(waitGauge(*proxy, "aviary_proxy_upstream_connections_active", 0), 0);
}

TEST(StreamingTest, AResponseThatMayBeRetriedIsBufferedNotStreamed) {
  // A 503 whose body arrives in two parts, on a route that retries 5xx once: the first must not be
  // streamed (the retry would then be impossible), so the backend is asked twice; the second, with
  // no retry left, is passed on (streamed) and flagged URX.
  ScriptedBackend backend({{0ms, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\n\r\nhello"}, {100ms, "world"}},
                          false);
  auto proxy = proxyTo(backend, "0s", "{attempts: 1, retryOn: 5xx}");
  ASSERT_TRUE(proxy);
  RawClient client(proxy->listenerPort(0));
  client.send(kRequest);
  const std::string response = client.readResponse();
  EXPECT_EQ(statusOf(response), 503) << response;
  EXPECT_EQ(bodyOf(response), "helloworld");
  EXPECT_EQ(backend.requests(), 2);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"503\"", "response_flags=\"URX\""}, 1), 1);
}

TEST(StreamingTest, LargeResponsesAreNotLimitedOnlyBufferedOnesAre) {
  // maxResponseBytes 1 MiB: a 4 MiB answer is streamed to the client whole, and its mirrored copy
  // is read and dropped part by part (recorded as a 200 of 4 MiB, not a failure). A 4 MiB 503 on
  // a route that may retry it must be buffered, so that one is refused (502 UPE).
  Backend backend("big");
  auto proxy = startProxy(fill(R"(limits: {maxResponseBytes: 1048576, idleTimeout: 10s}
admin: {enabled: false}
listeners:
  - name: main
    routes:
      - match: [{uri: {prefix: /retry/}}]
        rewrite: {uri: /}
        route: [{cluster: be}]
        retries: {attempts: 1, retryOn: 5xx}
      - route: [{cluster: be}]
        mirror: {cluster: shadow, percentage: 100}
clusters:
  - {name: be, endpoints: ["{be}"]}
  - {name: shadow, endpoints: ["{be}"]}
)", {{"be", backend.address()}}));
  ASSERT_TRUE(proxy);
  constexpr size_t kSize = 4u << 20;
  RawClient client(proxy->listenerPort(0));
  client.send("GET /bytes/" + std::to_string(kSize) + " HTTP/1.1\r\nHost: s\r\n\r\n");
  const std::string response = client.readResponse();
  EXPECT_EQ(statusOf(response), 200);
  EXPECT_TRUE(bodyOf(response) == patternBody(kSize)) << "body of " << bodyOf(response).size() << " bytes differs";
  EXPECT_EQ(waitRequestsTotal(*proxy, {"destination_workload=\"shadow\"", "response_code=\"200\""}, 1), 1)
      << proxy->renderStats().substr(0, 4000);
  EXPECT_EQ(requestsTotal(*proxy, {"destination_workload=\"be\"", "response_code=\"200\""}), 1);

  client.send("GET /retry/bytes/" + std::to_string(kSize) + "?status=503 HTTP/1.1\r\nHost: s\r\n\r\n");
  const std::string refused = client.readResponse();
  EXPECT_EQ(statusOf(refused), 502) << refused.substr(0, 200);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"502\"", "response_flags=\"UPE\""}, 1), 1);
}

TEST(StreamingTest, Http10ClientsGetChunkedResponsesDechunked) {
  // HTTP/1.0 has no chunked framing. A chunked answer that arrives whole is sent with a length
  // (so a keep-alive 1.0 client keeps its connection, told so by "connection: keep-alive"); one
  // that is streamed is sent delimited by close.
  ScriptedBackend whole({{0ms, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n5\r\nlast\n\r\n0\r\n\r\n"}},
                        false);
  auto proxy = proxyTo(whole);
  ASSERT_TRUE(proxy);
  RawClient keepAlive(proxy->listenerPort(0));
  for (int i = 0; i < 2; ++i) {
    keepAlive.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const std::string r = keepAlive.readResponse();
    EXPECT_EQ(statusOf(r), 200) << r;
    EXPECT_EQ(bodyOf(r), "first\nlast\n");
    EXPECT_NE(r.find("content-length: 11\r\n"), std::string::npos) << r;
    EXPECT_NE(r.find("connection: keep-alive\r\n"), std::string::npos) << r;
    EXPECT_EQ(r.find("Transfer-Encoding"), std::string::npos) << r;
  }

  ScriptedBackend parts({{0ms, kChunkedStart}, {200ms, "5\r\nlast\n\r\n0\r\n\r\n"}}, false);
  auto streaming = proxyTo(parts);
  ASSERT_TRUE(streaming);
  Client client(streaming->listenerPort(0));
  client.send("GET /b HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(client.readToClose()) << client.got;
  EXPECT_EQ(bodyOf(client.got), "first\nlast\n");
  EXPECT_NE(client.got.find("connection: close\r\n"), std::string::npos) << client.got;
  EXPECT_EQ(client.got.find("Transfer-Encoding"), std::string::npos) << client.got;
  EXPECT_EQ(waitRequestsTotal(*streaming, {"response_code=\"200\"", "response_flags=\"-\""}, 1), 1);
}

}  // namespace
}  // namespace aviary::proxy::testing
