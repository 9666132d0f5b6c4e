// WebSocket-tunnel throughput for bench/proxy/tunnel.sh: both ends of an upgraded connection, so
// that the proxies in between are measured after their 101, where they only copy bytes.
//   tunnel_bench echo PORT                 upgrade server on 127.0.0.1:PORT: answers any request
//                                          head with 101 (Upgrade: websocket), then echoes bytes
//   tunnel_bench client PORT CONNS MIB     CONNS connections to 127.0.0.1:PORT, each upgrades,
//                                          then sends MIB MiB and reads them back; prints MiB/s
// Raw bytes, not WebSocket frames: a proxy after 101 passes bytes through without parsing them
// (Envoy, HAProxy and nginx all do), so framing would only add work at the two ends.
// Blocking sockets, one thread per direction; every read has a 10 s timeout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kBlock = 64 * 1024;

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  return a;
}

void setTimeout(int fd) {
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool sendAll(int fd, const char* data, size_t len) {
  while (len > 0) {
    const ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

// Reads up to the end of an HTTP head; bytes after it are returned in `rest`.
bool readHead(int fd, std::string& rest) {
  std::string in;
  char buf[4096];
  while (in.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0 || in.size() > 65536) return false;
    in.append(buf, static_cast<size_t>(n));
  }
  rest = in.substr(in.find("\r\n\r\n") + 4);
  return true;
}

void echo(int fd) {
  setTimeout(fd);
  std::string rest;
  // The accept value for the client's fixed key (RFC 6455's example): HAProxy answers 502 to a
  // WebSocket 101 without a valid one.
  static constexpr char k101[] =
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
      "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  if (readHead(fd, rest) && sendAll(fd, k101, sizeof k101 - 1) && sendAll(fd, rest.data(), rest.size())) {
    std::vector<char> buf(kBlock);
    for (ssize_t n; (n = ::recv(fd, buf.data(), buf.size(), 0)) > 0;) {
      if (!sendAll(fd, buf.data(), static_cast<size_t>(n))) break;
    }
  }
  ::close(fd);
}

int serve(int port) {
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(port);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 128) != 0) {
    std::perror("listen");
    return 1;
  }
  for (;;) {
    const int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) std::thread(echo, fd).detach();
  }
}

// One connection: upgrade, then send `bytes` while reading them back. Returns bytes echoed.
uint64_t runClient(int port, uint64_t bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  setTimeout(fd);
  static constexpr char kUpgrade[] =
      "GET /ws HTTP/1.1\r\nHost: bench\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
  std::string rest;
  if (!sendAll(fd, kUpgrade, sizeof kUpgrade - 1) || !readHead(fd, rest)) {
    ::close(fd);
    return 0;
  }
  std::thread writer([fd, bytes] {
    std::vector<char> block(kBlock, 'w');
    for (uint64_t sent = 0; sent < bytes;) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(kBlock, bytes - sent));
      if (!sendAll(fd, block.data(), len)) return;
      sent += len;
    }
  });
  uint64_t got = rest.size();
  std::vector<char> buf(kBlock);
  while (got < bytes) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    got += static_cast<uint64_t>(n);
  }
  ::shutdown(fd, SHUT_RDWR);  // unblocks the writer if the read side failed
  writer.join();
  ::close(fd);
  return got;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "echo") == 0) return serve(std::atoi(argv[2]));
  if (argc != 5 || std::strcmp(argv[1], "client") != 0) {
    std::fprintf(stderr, "usage: tunnel_bench echo PORT | tunnel_bench client PORT CONNS MIB\n");
    return 2;
  }
  const int port = std::atoi(argv[2]);
  const int conns = std::atoi(argv[3]);
  const uint64_t bytes = std::strtoull(argv[4], nullptr, 10) << 20;
  std::atomic<uint64_t> total{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < conns; ++i) threads.emplace_back([&] { total += runClient(port, bytes); });
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const uint64_t want = bytes * static_cast<uint64_t>(conns);
  std::printf("echoed=%llu expected=%llu seconds=%.3f mibs=%.0f\n", static_cast<unsigned long long>(total.load()),
              static_cast<unsigned long long>(want), secs, static_cast<double>(total.load()) / 1048576.0 / secs);
  return total.load() == want ? 0 : 1;
}
