// Protocol upgrades (WebSocket): the upgrade request reaches the backend with its Upgrade and
// Connection headers, a 101 joins the two connections, bytes flow both ways, half-closes are
// passed on and the upgraded request is recorded once, with code 101, when it ends.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy_fixture.h"

namespace aviary::proxy::testing {
namespace {

using namespace std::chrono_literals;

// A raw backend on 127.0.0.1 (port 0), one connection at a time. A request asking to upgrade to
// "websocket" gets 101 and "hello;", then every byte it sends is echoed until it half-closes;
// the backend then half-closes too. Any other request gets 426 Upgrade Required. Reads are
// bounded (5 s), the stop flag is checked every 20 ms.
class EchoUpgradeBackend final : public RawBackend {
 public:
  EchoUpgradeBackend() { start(); }
  ~EchoUpgradeBackend() override { stop(); }
  std::string lastRequest() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  void serve(int c) override {
    std::string in;
    size_t headEnd = 0;
    if (!readHead(c, in, &headEnd)) return;
    char buf[4096];
    std::string head = in.substr(0, headEnd);
    {
      std::lock_guard lock(mu_);
      last_ = head;
    }
    for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (head.find("\r\nupgrade: websocket\r\n") == std::string::npos ||
        head.find("\r\nconnection: upgrade\r\n") == std::string::npos) {
      static constexpr char kRefuse[] = "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n";
      ::send(c, kRefuse, sizeof kRefuse - 1, MSG_NOSIGNAL);
      return;
    }
    static constexpr char kSwitch[] =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nhello;";
    if (::send(c, kSwitch, sizeof kSwitch - 1, MSG_NOSIGNAL) < 0) return;
    std::string echo = in.substr(headEnd);  // sent together with the upgrade request
    for (;;) {
      if (!echo.empty() && ::send(c, echo.data(), echo.size(), MSG_NOSIGNAL) < 0) return;
      echo.clear();
      if (!waitReadable(c, 5s)) return;
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      echo.assign(buf, static_cast<size_t>(n));
    }
    ::shutdown(c, SHUT_WR);
  }

  std::mutex mu_;
  std::string last_;
};

std::unique_ptr<ProxyServer> proxyTo(const EchoUpgradeBackend& backend) {
  return startProxyTo(backend.endpoint(), ", mirror: {cluster: be, percentage: 100}");
}

// Reads from `fd` until `text` has arrived in `got` (false on close, error or the 5 s timeout).
bool readUntil(int fd, std::string& got, const std::string& text) {
  char buf[4096];
  while (got.find(text) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<size_t>(n));
  }
  return true;
}

const std::string kUpgrade =
    "GET /ws HTTP/1.1\r\nHost: chat\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

TEST(UpgradeTest, WebSocketUpgradeJoinsTheConnections) {
  EchoUpgradeBackend backend;
  auto proxy = proxyTo(backend);
  ASSERT_TRUE(proxy);
  const int fd = connectLoopback(proxy->listenerPort(0));
  ASSERT_GE(fd, 0);
  const std::string first = kUpgrade + "ping1;";  // a frame right behind the request
  ASSERT_EQ(::send(fd, first.data(), first.size(), MSG_NOSIGNAL), static_cast<ssize_t>(first.size()));
  std::string got;
  ASSERT_TRUE(readUntil(fd, got, "ping1;")) << got;
  EXPECT_EQ(statusOf(got), 101) << got;
  EXPECT_NE(got.find("connection: upgrade\r\nupgrade: websocket\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos) << got;
  EXPECT_EQ(bodyOf(got), "hello;ping1;");
  EXPECT_NE(backend.lastRequest().find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string::npos);

  got.clear();
  ASSERT_EQ(::send(fd, "ping2;", 6, MSG_NOSIGNAL), 6);
  ASSERT_TRUE(readUntil(fd, got, "ping2;")) << got;
  EXPECT_EQ(requestsTotal(*proxy, {}), 0) << "recorded before the upgraded connection ended";
  // 2 MiB each way, more than a tunnel moves per round: sent from a thread while this one reads
  // the echo (each side's buffers are far smaller, so back-pressure is exercised too).
  const std::string big = patternBody(2u << 20);
  const auto t0 = std::chrono::steady_clock::now();
  std::thread writer([&] {
    size_t off = 0;
    while (off < big.size()) {
      const ssize_t n = ::send(fd, big.data() + off, big.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
  });
  got.clear();
  char buf[65536];
  while (got.size() < big.size()) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  writer.join();
  EXPECT_TRUE(got == big) << "echoed " << got.size() << " of " << big.size() << " bytes, or changed";
  // Takes milliseconds; a tunnel that stops after its per-round budget only resumes on an
  // unrelated event (the 5 s the backend waits), if at all.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s) << "the transfer stalled";
  // Half-close: the backend sees the end, half-closes in turn, and the client reads the end.
  ::shutdown(fd, SHUT_WR);
  char c;
  EXPECT_EQ(::recv(fd, &c, 1, 0), 0);
  ::close(fd);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"101\"", "response_flags=\"-\""}, 1), 1);
  EXPECT_EQ(requestsTotal(*proxy, {}), 1) << "mirrored or recorded twice";
  EXPECT_EQ(waitGauge(*proxy, "aviary_proxy_upstream_connections_active", 0), 0);
}

TEST(UpgradeTest, ARefusedUpgradeIsAnOrdinaryResponse) {
  EchoUpgradeBackend backend;
  auto proxy = proxyTo(backend);
  ASSERT_TRUE(proxy);
  RawClient client(proxy->listenerPort(0));
  // No "Connection: upgrade": the Upgrade header is hop-by-hop and not passed on.
  client.send("GET /ws HTTP/1.1\r\nHost: chat\r\nUpgrade: websocket\r\n\r\n");
  EXPECT_EQ(statusOf(client.readResponse()), 426);
  EXPECT_EQ(backend.lastRequest().find("pgrade"), std::string::npos) << backend.lastRequest();
  client.send("GET /plain HTTP/1.1\r\nHost: chat\r\n\r\n");  // the connection is still HTTP
  EXPECT_EQ(statusOf(client.readResponse()), 426);
  // Only WebSocket is passed on: an h2c upgrade goes on as plain HTTP.
  client.send("GET /h2c HTTP/1.1\r\nHost: chat\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
              "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
  EXPECT_EQ(statusOf(client.readResponse()), 426);
  EXPECT_EQ(backend.lastRequest().find("pgrade"), std::string::npos) << backend.lastRequest();
  EXPECT_EQ(backend.lastRequest().find("HTTP2-Settings"), std::string::npos) << backend.lastRequest();
}

}  // namespace
}  // namespace aviary::proxy::testing
