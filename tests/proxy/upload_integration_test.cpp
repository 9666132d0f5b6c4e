// Streamed request bodies: a body above limits.maxRequestBodyBytes goes to the backend part by
// part as it arrives (byte-exact, with back-pressure instead of memory), is never retried nor
// mirrored, and an early answer, a client leaving or a stalled upload each end it cleanly.
#include <fcntl.h>
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

constexpr size_t kMiB = 1 << 20;

// A proxy whose buffer limit is 1000 bytes, so that any larger body is streamed; one route to
// cluster "be" (`endpoint`); `routeFields` and `moreClusters` extend the route and the clusters.
std::unique_ptr<ProxyServer> uploadProxy(const std::string& endpoint, const std::string& idleTimeout = "10s",
                                         const std::string& routeFields = "", const std::string& moreClusters = "") {
  return startProxyTo(endpoint, routeFields, "{maxRequestBodyBytes: 1000, idleTimeout: " + idleTimeout + "}",
                      moreClusters);
}

// Sum of every sample of one series name (all label sets), e.g. istio_request_bytes_sum.
double seriesSum(ProxyServer& proxy, const std::string& name) {
  const std::string text = proxy.renderStats();
  double sum = 0;
  for (size_t pos = 0; (pos = text.find("\n" + name + "{", pos)) != std::string::npos;) {
    const size_t eol = text.find('\n', pos + 1);
    const std::string line = text.substr(pos + 1, eol - pos - 1);
    sum += std::stod(line.substr(line.rfind(' ') + 1));
    pos = eol;
  }
  return sum;
}

// A blocking client socket to the proxy that has sent `bytes` (-1 if that failed); `rcvbuf` as for
// connectLoopback.
int connectAndSend(ProxyServer& proxy, const std::string& bytes, int rcvbuf = 0) {
  const int fd = connectLoopback(proxy.listenerPort(0), rcvbuf);
  if (fd >= 0 && ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The Content-Length of a request head, whatever the case of its name (0 when absent).
size_t contentLength(std::string head) {
  for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const size_t cl = head.find("content-length: ");
  return cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
}

// Polls (bounded to 5 s) until `done` holds.
template <class F>
bool eventually(F done) {
  for (auto end = steady_clock::now() + 5s; steady_clock::now() < end; std::this_thread::sleep_for(5ms)) {
    if (done()) return true;
  }
  return done();
}

// A raw backend for one upload per connection. It reads the request head, then by `mode`:
//  - Drain: reads the body until the proxy closes the connection (never answers);
//  - Hold: reads nothing more until release(), then reads Content-Length bytes and answers
//    "200 <n> received";
//  - AnswerEarly: answers 413 with `connection: close` at once, then drains until closed;
//  - StreamAnswer: sends a chunked 200 head and a first chunk "start", reads Content-Length
//    bytes, then sends the chunk "end" and the last chunk.
// It records the body bytes it read and whether the proxy closed the connection. Every wait is
// bounded (5 s, stop flag every 20 ms).
class UploadBackend final : public RawBackend {
 public:
  enum class Mode { Drain, Hold, AnswerEarly, StreamAnswer };
  explicit UploadBackend(Mode mode) : mode_(mode) { start(); }
  ~UploadBackend() override { stop(); }
  void release() { released_ = true; }
  size_t bodyBytes() const { return body_.load(); }
  bool sawClose() const { return closed_.load(); }

 private:
  void serve(int c) override {
    std::string in;
    size_t headEnd = 0;
    if (!readHead(c, in, &headEnd)) return;
    char buf[65536];
    const size_t length = contentLength(in.substr(0, headEnd));
    body_ = in.size() - headEnd;
    if (mode_ == Mode::AnswerEarly) {
      sendAll(c, "HTTP/1.1 413 Payload Too Large\r\ncontent-length: 4\r\nconnection: close\r\n\r\nbig!");
    } else if (mode_ == Mode::StreamAnswer) {
      sendAll(c, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nstart\r\n");
    } else if (mode_ == Mode::Hold) {
      for (auto end = steady_clock::now() + 5s; !released_ && !stopping() && steady_clock::now() < end;) {
        std::this_thread::sleep_for(5ms);
      }
    }
    const bool answerAfterBody = mode_ == Mode::Hold || mode_ == Mode::StreamAnswer;
    while (!(answerAfterBody && body_ >= length)) {
      if (!waitReadable(c, 5s)) return;
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return;
      }
      body_ += static_cast<size_t>(n);
    }
    if (mode_ == Mode::Hold) {
      const std::string text = std::to_string(body_.load()) + " received";
      sendAll(c, "HTTP/1.1 200 OK\r\ncontent-length: " + std::to_string(text.size()) + "\r\n\r\n" + text);
    } else {
      sendAll(c, "3\r\nend\r\n0\r\n\r\n");
    }
    // Wait for the proxy to close or reuse the connection (only one request is ever served).
    if (waitReadable(c, 2s) && ::recv(c, buf, sizeof buf, 0) == 0) closed_ = true;
  }
  static void sendAll(int c, const std::string& bytes) {
    ::send(c, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  Mode mode_;
  std::atomic<bool> released_{false};
  std::atomic<size_t> body_{0};
  std::atomic<bool> closed_{false};
};

TEST(UploadTest, StreamsLargeBodiesByteExactAndKeepsTheConnection) {
  Backend backend("b");
  auto proxy = uploadProxy(backend.address());
  ASSERT_TRUE(proxy);
  RawClient c(proxy->listenerPort(0));
  // With Content-Length: 4 MiB, far above the 1000-byte buffer.
  c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(4 * kMiB) + "\r\n\r\n" +
         patternBody(4 * kMiB));
  std::string r = c.readResponse();
  ASSERT_EQ(statusOf(r), 200) << r.substr(0, 200);
  EXPECT_EQ(bodyOf(r), std::to_string(4 * kMiB) + " intact");
  EXPECT_EQ(r.find("connection: close"), std::string::npos) << r;
  // Chunked, in chunks of 100,000 bytes, with a request pipelined right behind it: the bytes
  // after the body's end wait for their turn.
  const std::string body = patternBody(3'000'000);
  std::string chunked = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t off = 0; off < body.size(); off += 100'000) chunked += "186a0\r\n" + body.substr(off, 100'000) + "\r\n";
  c.send(chunked + "0\r\n\r\nGET /status/202 HTTP/1.1\r\nHost: a\r\n\r\n");
  r = c.readResponse();
  ASSERT_EQ(statusOf(r), 200) << r.substr(0, 200);
  EXPECT_EQ(bodyOf(r), "3000000 intact");
  EXPECT_EQ(statusOf(c.readResponse()), 202);
  // Recorded as complete requests, with the payload sizes as request bytes.
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}, 2), 2);
  EXPECT_EQ(seriesSum(*proxy, "istio_request_bytes_sum"), 4.0 * kMiB + 3'000'000);
}

TEST(UploadTest, ExpectContinueIsAnsweredBeforeTheBodyIsStreamed) {
  Backend backend("b");
  auto proxy = uploadProxy(backend.address());
  ASSERT_TRUE(proxy);
  RawClient c(proxy->listenerPort(0));
  c.send("POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2097152\r\n\r\n");
  EXPECT_EQ(statusOf(c.readResponse()), 100);
  c.send(patternBody(2 * kMiB));
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(bodyOf(r), "2097152 intact");
}

TEST(UploadTest, ABackendNotReadingHoldsTheClientBackInsteadOfFillingMemory) {
  UploadBackend backend(UploadBackend::Mode::Hold);
  auto proxy = uploadProxy(backend.endpoint());
  ASSERT_TRUE(proxy);
  constexpr size_t kTotal = 64 * kMiB;
  const int fd = connectAndSend(*proxy, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(kTotal) + "\r\n\r\n");
  ASSERT_GE(fd, 0);
  const std::string block(256 * 1024, 'u');
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  // Push until the proxy stops taking bytes for 300 ms (bounded by kTotal).
  size_t sent = 0;
  while (sent < kTotal) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 300) <= 0) break;
    const ssize_t n = ::send(fd, block.data(), std::min(block.size(), kTotal - sent), MSG_NOSIGNAL);
    if (n > 0) sent += static_cast<size_t>(n);
  }
  // Only socket buffers (a few MiB each way on loopback) and one 64 KiB part hold the upload.
  EXPECT_LT(sent, 32 * kMiB) << "the proxy took the whole upload while the backend read none of it";
  EXPECT_GT(sent, 0u);
  backend.release();
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  while (sent < kTotal) {
    const ssize_t n = ::send(fd, block.data(), std::min(block.size(), kTotal - sent), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    sent += static_cast<size_t>(n);
  }
  char buf[512];
  std::string r;
  while (r.find(" received") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);  // bounded by the 5 s receive timeout
    if (n <= 0) break;
    r.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(bodyOf(r), std::to_string(kTotal) + " received") << r;
}

TEST(UploadTest, AnEarlyAnswerEndsTheUploadAndBothConnections) {
  UploadBackend backend(UploadBackend::Mode::AnswerEarly);
  auto proxy = uploadProxy(backend.endpoint());
  ASSERT_TRUE(proxy);
  RawClient c(proxy->listenerPort(0));
  c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8388608\r\n\r\n" + std::string(100'000, 'x'));
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 413) << r;
  EXPECT_EQ(bodyOf(r), "big!");
  // The rest of the body will never be read, so the client connection cannot carry another request.
  EXPECT_NE(r.find("connection: close\r\n"), std::string::npos) << r;
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_TRUE(eventually([&] { return backend.sawClose(); }));
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"413\"", "response_flags=\"-\""}, 1), 1);
}

// A client that writes its whole body before it reads (many simple HTTP clients do) still gets
// an early answer: the proxy drains what the client sends after it instead of resetting the
// connection (nginx's lingering close), both for the backend's 413 and for its own (reject).
TEST(UploadTest, AnEarlyAnswerReachesAClientThatSendsItsWholeBodyFirst) {
  UploadBackend backend(UploadBackend::Mode::AnswerEarly);
  auto streaming = uploadProxy(backend.endpoint());
  auto rejecting = startProxyTo(backend.endpoint(), "", "{maxRequestBodyBytes: 1000, largeRequestBodies: reject}");
  ASSERT_TRUE(streaming && rejecting);
  const std::string request = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 16777216\r\n\r\n" + std::string(16 * kMiB, 'x');
  for (ProxyServer* proxy : {streaming.get(), rejecting.get()}) {
    const int fd = connectAndSend(*proxy, request);  // all 16 MiB, before reading anything
    ASSERT_GE(fd, 0) << "the proxy reset the connection while the client was still sending";
    std::string r;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) r.append(buf, static_cast<size_t>(n));
    ::close(fd);
    EXPECT_EQ(statusOf(r), 413) << r;
    EXPECT_NE(r.find("connection: close\r\n"), std::string::npos) << r;
  }
}

TEST(UploadTest, AClientLeavingMidUploadCancelsTheRequest) {
  UploadBackend backend(UploadBackend::Mode::Drain);
  auto proxy = uploadProxy(backend.endpoint());
  ASSERT_TRUE(proxy);
  {
    RawClient c(proxy->listenerPort(0));
    c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n" + std::string(200'000, 'x'));
    ASSERT_TRUE(eventually([&] { return backend.bodyBytes() == 200'000; })) << backend.bodyBytes();
  }  // closed
  EXPECT_TRUE(eventually([&] { return backend.sawClose(); }));
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"0\"", "response_flags=\"DC\""}, 1), 1);
}

TEST(UploadTest, AStalledUploadIsAnswered408AfterTheIdleTimeout) {
  UploadBackend backend(UploadBackend::Mode::Drain);
  auto proxy = uploadProxy(backend.endpoint(), "400ms");
  ASSERT_TRUE(proxy);
  RawClient c(proxy->listenerPort(0));
  const auto start = steady_clock::now();
  c.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n" + std::string(10'000, 'x'));
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 408) << r;
  EXPECT_GE(steady_clock::now() - start, 350ms);
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_TRUE(eventually([&] { return backend.sawClose(); }));
  EXPECT_EQ(backend.bodyBytes(), 10'000u);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"408\"", "response_flags=\"SI\""}, 1), 1);
}

TEST(UploadTest, AStreamedAnswerFlowsWhileTheUploadContinues) {
  UploadBackend backend(UploadBackend::Mode::StreamAnswer);
  auto proxy = uploadProxy(backend.endpoint());
  ASSERT_TRUE(proxy);
  const int fd = connectAndSend(*proxy, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n" +
                                           std::string(100'000, 'x'));
  ASSERT_GE(fd, 0);
  // The answer's head and first chunk arrive while two thirds of the body are still to be sent.
  std::string r;
  char buf[4096];
  while (r.find("start") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0) << r;
    r.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_NE(r.find("connection: close\r\n"), std::string::npos) << r;
  const std::string rest(200'000, 'y');
  ASSERT_EQ(::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL), static_cast<ssize_t>(rest.size()));
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) r.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_NE(r.find("5\r\nstart\r\n3\r\nend\r\n0\r\n\r\n"), std::string::npos) << r;
  EXPECT_EQ(backend.bodyBytes(), 300'000u);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"200\"", "response_flags=\"-\""}, 1), 1);
}

TEST(UploadTest, TheRouteTimeoutStartsOnceTheBodyIsSent) {
  Backend backend("b");
  auto proxy = uploadProxy(backend.address(), "10s", ", timeout: 300ms");
  ASSERT_TRUE(proxy);
  // 1.2 MiB sent in 6 pieces 100 ms apart: the upload outlasts the route timeout, which counts
  // only from its end (Envoy's "from the end of the request"), so the answer comes through.
  const std::string body = patternBody(1'200'000);
  RawClient c(proxy->listenerPort(0));
  c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1200000\r\n\r\n");
  for (size_t off = 0; off < body.size(); off += 200'000) {
    std::this_thread::sleep_for(100ms);
    c.send(body.substr(off, 200'000));
  }
  std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 200) << r.substr(0, 200);
  EXPECT_EQ(bodyOf(r), "1200000 intact");
  // After the body the timeout applies as usual: a backend 600 ms late gets 504 UT.
  c.send("POST /upload?delay=600 HTTP/1.1\r\nHost: a\r\nContent-Length: 1200000\r\n\r\n" + body);
  r = c.readResponse();
  EXPECT_EQ(statusOf(r), 504) << r;
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"504\"", "response_flags=\"UT\""}, 1), 1);
}

TEST(UploadTest, BrokenChunkFramingMidUploadIsA400) {
  UploadBackend backend(UploadBackend::Mode::Drain);
  auto proxy = uploadProxy(backend.endpoint());
  ASSERT_TRUE(proxy);
  RawClient c(proxy->listenerPort(0));
  // 2000 bytes in one chunk (above the 1000-byte buffer: streamed), then a chunk size that is not hex.
  c.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + std::string(2000, 'x') + "\r\n");
  ASSERT_TRUE(eventually([&] { return backend.bodyBytes() > 0; }));
  c.send("zz\r\n");
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 400) << r;
  EXPECT_TRUE(c.closedByPeer());
  EXPECT_TRUE(eventually([&] { return backend.sawClose(); }));
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"400\"", "response_flags=\"DPE\""}, 1), 1);
}

// A backend that, on its own thread, answers with a large chunked body as soon as the request
// head is in, while it reads the request body on another; it ends the answer once the whole
// body (Content-Length) is read. One request per connection.
class TalkingBackend final : public RawBackend {
 public:
  static constexpr int kChunks = 512;
  TalkingBackend() { start(); }
  ~TalkingBackend() override { stop(); }
  size_t bodyBytes() const { return body_.load(); }

 private:
  void serve(int c) override {
    std::string in;
    size_t headEnd = 0;
    if (!readHead(c, in, &headEnd)) return;
    const size_t length = contentLength(in.substr(0, headEnd));
    body_ = in.size() - headEnd;
    std::atomic<bool> bodyDone{false};
    std::thread talker([&] {
      const std::string chunk = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";  // 64 KiB chunks
      std::string out = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
      for (int i = 0; i < kChunks; ++i) out += chunk;  // 32 MiB, more than the socket buffers hold
      if (::send(c, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) return;
      for (auto end = steady_clock::now() + 5s; !bodyDone && steady_clock::now() < end;) std::this_thread::sleep_for(1ms);
      ::send(c, "0\r\n\r\n", 5, MSG_NOSIGNAL);
    });
    char buf[65536];
    while (body_ < length && waitReadable(c, 5s)) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      body_ += static_cast<size_t>(n);
    }
    bodyDone = true;
    talker.join();
    waitReadable(c, 2s);  // until the proxy closes the connection
  }
  std::atomic<size_t> body_{0};
};

TEST(UploadTest, AClientThatReadsOnlyAfterItsUploadIsNotStuckBehindTheAnswer) {
  // The answer streams from the start and fills every buffer towards the client (whose receive
  // buffer is small), which reads nothing until its own 32 MiB are sent: the proxy must keep
  // reading the upload while its write to that client waits.
  TalkingBackend backend;
  auto proxy = uploadProxy(backend.endpoint());
  ASSERT_TRUE(proxy);
  const auto start = steady_clock::now();
  const int fd = connectAndSend(*proxy, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 33554432\r\n\r\n" +
                                            std::string(32 * kMiB, 'u'), 16 * 1024);
  ASSERT_GE(fd, 0);
  EXPECT_LT(steady_clock::now() - start, 4s) << "the upload waited for the client to read the answer";
  std::string r;
  std::vector<char> buf(65536);
  // Until the last chunk (the connection may stay open: both sides ended cleanly).
  while (r.size() < 5 || r.compare(r.size() - 5, 5, "0\r\n\r\n") != 0) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);  // 5 s receive timeout
    if (n <= 0) break;
    r.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(backend.bodyBytes(), 32 * kMiB);
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(r.size() - r.find("\r\n\r\n") - 4, TalkingBackend::kChunks * (0x10000 + 9) + 5) << "the answer is incomplete";
  EXPECT_LT(steady_clock::now() - start, 4s);
}

TEST(UploadTest, StreamedBodiesAreNeitherRetriedNorMirrored) {
  Backend failing("failing", 503);
  Backend shadow("shadow");
  auto proxy = uploadProxy(failing.address(), "10s",
                           ", retries: {attempts: 3, retryOn: 5xx}, mirror: {cluster: shadow, percentage: 100}",
                           "\n  - {name: shadow, endpoints: [\"" + shadow.address() + "\"]}");
  ASSERT_TRUE(proxy);
  RawClient c(proxy->listenerPort(0));
  // A buffered body (500 bytes): retried three times and mirrored, so the route's policy is live.
  c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 500\r\n\r\n" + patternBody(500));
  std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 503);
  EXPECT_EQ(failing.count(), 4);
  EXPECT_TRUE(eventually([&] { return shadow.count() == 1; }));
  // A streamed one: one attempt, no mirror, and the backend's answer as it is.
  c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 2097152\r\n\r\n" + patternBody(2 * kMiB));
  r = c.readResponse();
  EXPECT_EQ(statusOf(r), 503);
  EXPECT_EQ(bodyOf(r), "2097152 intact");
  EXPECT_EQ(failing.count(), 5);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(shadow.count(), 1);
  EXPECT_EQ(waitRequestsTotal(*proxy, {"response_code=\"503\"", "response_flags=\"-\""}, 1), 1) << proxy->renderStats();
  EXPECT_EQ(requestsTotal(*proxy, {"response_code=\"503\"", "response_flags=\"URX\""}), 1);
}

}  // namespace
}  // namespace aviary::proxy::testing
