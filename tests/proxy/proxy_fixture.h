#pragma once
// Helpers for the proxy's integration tests: real loopback backends (common/http_server), a raw
// blocking HTTP/1.1 client for byte-exact cases, and a proxy started from YAML with placeholders.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/http_client.h"
#include "common/http_server.h"
#include "proxy/server.h"

namespace aviary::proxy::testing {

// `size` bytes in which every 16-byte line names its own offset ("000000000000016\n"...), so a
// lost, repeated or reordered chunk shows up as a mismatch at a known position.
inline std::string patternBody(size_t size) {
  std::string out;
  out.reserve(size + 16);
  char line[32];
  for (size_t off = 0; off < size; off += 16) {
    std::snprintf(line, sizeof line, "%015zu\n", off);  // 16 bytes for any size below 10^15
    out.append(line, 16);
  }
  out.resize(size);
  return out;
}

// A backend answering by path: /status/<code>, /delay/<ms>, /echo (request headers and body as
// text), /bytes/<n> (patternBody(n), status 200 or ?status=), /upload (checks that the body is a
// patternBody: "<size> intact" or "<size> differs at <offset>"; bodies up to 64 MiB), anything
// else → 200 "<name>". Counts requests per Host header and in total.
class Backend {
 public:
  explicit Backend(std::string name, int defaultStatus = 200, int defaultDelayMs = 0)
      : name_(std::move(name)), status_(defaultStatus), delay_(defaultDelayMs) {
    http::HttpServer::Options opts;
    opts.maxConnections = 1024;
    opts.maxBodyBytes = 64 << 20;
    auto s = http::HttpServer::start(
        "127.0.0.1", 0, [this](const http::ServerRequest& r) { return handle(r); }, opts);
    EXPECT_TRUE(s.ok()) << s.error().format();
    server_ = std::move(s.value());
  }
  uint16_t port() const { return server_->port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }
  int count() const { return count_.load(); }
  int countForHost(const std::string& host) const {
    std::lock_guard lock(mu_);
    auto it = hosts_.find(host);
    return it == hosts_.end() ? 0 : it->second;
  }
  void setStatus(int status) { status_ = status; }
  void setDelay(int ms) { delay_ = ms; }

 private:
  http::ServerResponse handle(const http::ServerRequest& r) {
    ++count_;
    {
      std::lock_guard lock(mu_);
      ++hosts_[r.header("host")];
    }
    int delay = delay_;
    int status = status_;
    if (r.path.rfind("/delay/", 0) == 0) delay = std::stoi(r.path.substr(7));
    if (r.path.rfind("/status/", 0) == 0) status = std::stoi(r.path.substr(8));
    if (!r.queryParam("status").empty()) status = std::stoi(r.queryParam("status"));
    if (!r.queryParam("delay").empty()) delay = std::stoi(r.queryParam("delay"));
    if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    if (r.path == "/echo") {
      std::string body;
      for (const auto& [k, v] : r.headers) body += k + ": " + v + "\n";
      body += "body=" + r.body;
      return http::ServerResponse::text(200, body);
    }
    if (r.path == "/upload") {
      const std::string expected = patternBody(r.body.size());
      const auto diff = std::mismatch(r.body.begin(), r.body.end(), expected.begin());
      if (diff.first == r.body.end()) return http::ServerResponse::text(status, std::to_string(r.body.size()) + " intact");
      return http::ServerResponse::text(status, std::to_string(r.body.size()) + " differs at " +
                                                    std::to_string(diff.first - r.body.begin()));
    }
    if (r.path.rfind("/bytes/", 0) == 0) return http::ServerResponse::text(status, patternBody(std::stoul(r.path.substr(7))));
    return http::ServerResponse::text(status, name_);
  }
  std::string name_;
  std::atomic<int> status_;
  std::atomic<int> delay_;
  std::atomic<int> count_{0};
  mutable std::mutex mu_;
  std::map<std::string, int> hosts_;
  std::unique_ptr<http::HttpServer> server_;
};

// Blocking client on one connection; every read is bounded by a 5 s socket timeout.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    EXPECT_FALSE(ec) << ec.message();
    timeval tv{5, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  void send(const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
  }
  // Reads one response (Content-Length framed, or until close). Returns "" on timeout/close.
  std::string readResponse() {
    while (true) {
      size_t end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t len = 0;
        std::string head = buf_.substr(0, end);
        std::string lower = head;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        size_t cl = lower.find("content-length: ");
        if (cl != std::string::npos) len = std::stoul(head.substr(cl + 16));
        if (buf_.size() >= end + 4 + len) {
          std::string r = buf_.substr(0, end + 4 + len);
          buf_.erase(0, end + 4 + len);
          return r;
        }
      }
      char tmp[16384];
      boost::system::error_code ec;
      size_t n = socket_.read_some(boost::asio::buffer(tmp), ec);
      if (ec) {
        std::string r = buf_;
        buf_.clear();
        return r;
      }
      buf_.append(tmp, n);
    }
  }
  bool closedByPeer() {
    char c;
    boost::system::error_code ec;
    socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buf_;
};

// A listening socket on 127.0.0.1, port 0 (the port chosen is stored in *port). -1 on failure.
inline int listenLoopback(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// A blocking client socket connected to 127.0.0.1:port whose reads time out after 5 s; with
// `rcvbuf` > 0 its receive buffer is set before connecting (so the TCP window it advertises stays
// small). -1 on failure.
inline int connectLoopback(uint16_t port, int rcvbuf = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A hand-written backend for byte-exact cases: listens on 127.0.0.1 (port 0) and hands each
// accepted connection, one at a time, to serve() on its own thread. A subclass calls start() at
// the end of its constructor and stop() first thing in its destructor (serve() is virtual).
class RawBackend {
 public:
  virtual ~RawBackend() {
    stop();
    if (fd_ >= 0) ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

 protected:
  RawBackend() {
    fd_ = listenLoopback(&port_);
    EXPECT_GE(fd_, 0);
  }
  void start() { thread_ = std::thread([this] { run(); }); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool stopping() const { return stop_; }
  // Waits until `fd` is readable, in 20 ms slices (the stop flag is checked that often), at most
  // `limit`; false when stopped or timed out.
  bool waitReadable(int fd, std::chrono::milliseconds limit) const {
    for (auto end = std::chrono::steady_clock::now() + limit; !stop_ && std::chrono::steady_clock::now() < end;) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }
  // Appends to `in` what `fd` sends until `in` holds a request or response head ("\r\n\r\n");
  // false when the connection closes or stays silent for 5 s first. Returns the offset where the
  // head ends.
  bool readHead(int fd, std::string& in, size_t* headEnd) const {
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      if (!waitReadable(fd, std::chrono::seconds(5))) return false;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    *headEnd = in.find("\r\n\r\n") + 4;
    return true;
  }
  // Handles one accepted connection; it is closed when this returns.
  virtual void serve(int fd) = 0;

 private:
  void run() {
    while (!stop_) {
      if (!waitReadable(fd_, std::chrono::hours(1))) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

inline int statusOf(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

inline std::string bodyOf(const std::string& response) {
  size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

// Replaces every "{key}" in text.
inline std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values) {
    for (size_t p; (p = text.find("{" + k + "}")) != std::string::npos;) text.replace(p, k.size() + 2, v);
  }
  return text;
}

inline std::unique_ptr<ProxyServer> startProxy(const std::string& yaml) {
  auto cfg = decodeProxyConfig(yaml, "test.yaml");
  EXPECT_TRUE(cfg.ok()) << cfg.error().format();
  if (!cfg.ok()) return nullptr;
  auto server = ProxyServer::start(std::move(cfg.value()));
  EXPECT_TRUE(server.ok()) << server.error().format();
  return server.ok() ? std::move(server.value()) : nullptr;
}

// A proxy (no admin listener) whose one route sends everything to one cluster "be" of
// `endpoint`. `routeFields` are more fields of the route's flow mapping (", timeout: 1s, mirror:
// {cluster: be, percentage: 100}"), `limits` its limits as a flow mapping, `moreClusters` more
// entries of its cluster list ("\n  - {name: shadow, endpoints: [...]}").
inline std::unique_ptr<ProxyServer> startProxyTo(const std::string& endpoint, const std::string& routeFields = "",
                                                 const std::string& limits = "{idleTimeout: 10s}",
                                                 const std::string& moreClusters = "") {
  return startProxy(fill(R"(limits: {limits}
admin: {enabled: false}
listeners:
  - name: main
    routes:
      - {route: [{cluster: be}]{more}}
clusters:
  - {name: be, endpoints: ["{be}"]}{clusters}
)", {{"be", endpoint}, {"more", routeFields}, {"limits", limits}, {"clusters", moreClusters}}));
}

// Value of the istio_requests_total series whose label text contains every fragment (summed).
inline double requestsTotal(ProxyServer& proxy, const std::vector<std::string>& fragments) {
  std::string text = proxy.renderStats();
  double sum = 0;
  size_t pos = 0;
  while ((pos = text.find("\nistio_requests_total{", pos)) != std::string::npos) {
    size_t eol = text.find('\n', pos + 1);
    std::string line = text.substr(pos + 1, eol - pos - 1);
    pos = eol;
    bool all = true;
    for (const auto& f : fragments) all = all && line.find(f) != std::string::npos;
    if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// Telemetry is recorded once the response is written, so a client may see its answer a moment
// before the counter moves: poll (bounded) until the expected value shows up.
inline double waitRequestsTotal(ProxyServer& proxy, const std::vector<std::string>& fragments, double expected) {
  double v = 0;
  for (int i = 0; i < 200; ++i) {
    v = requestsTotal(proxy, fragments);
    if (v == expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return v;
}

// The value of an unlabelled series (a gauge such as aviary_proxy_upstream_connections_active).
inline double gauge(ProxyServer& proxy, const std::string& name) {
  std::string text = proxy.renderStats();
  size_t pos = text.find("\n" + name + " ");
  return pos == std::string::npos ? -1 : std::stod(text.substr(pos + name.size() + 2));
}

// Polls (bounded to 3 s) until the gauge shows `expected`; returns the last value seen.
inline double waitGauge(ProxyServer& proxy, const std::string& name, double expected) {
  double v = gauge(proxy, name);
  for (int i = 0; i < 300 && v != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    v = gauge(proxy, name);
  }
  return v;
}

// A baseline for counting: the counter once earlier requests have all been recorded (it stays
// the same over 30 ms; bounded to 2 s).
inline double settledRequestsTotal(ProxyServer& proxy, const std::vector<std::string>& fragments) {
  double v = requestsTotal(proxy, fragments);
  for (int i = 0; i < 66; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const double now = requestsTotal(proxy, fragments);
    if (now == v) break;
    v = now;
  }
  return v;
}

}  // namespace aviary::proxy::testing
