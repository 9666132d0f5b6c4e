// The data path's I/O primitives on real sockets (socketpair, loopback TCP): readiness flags,
// short reads and writes, partial writes resumed on an edge, non-blocking connect, retirement;
// and the per-round budget of streamed transfers.
#include "proxy/event_loop.h"
#include "proxy/worker.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace aviary::proxy {
namespace {

TEST(RoundBudgetTest, AllowsPerRoundPartsThenWaitsForTheNextRound) {
  RoundBudget budget(3);
  EXPECT_TRUE(budget.spend(7));
  EXPECT_TRUE(budget.spend(7));
  EXPECT_FALSE(budget.spend(7));  // the third part of round 7: wait for round 8
  EXPECT_TRUE(budget.spend(8));   // a new round starts afresh
  EXPECT_TRUE(budget.spend(8));
  EXPECT_FALSE(budget.spend(8));
  EXPECT_FALSE(budget.spend(8));  // still spent
  EXPECT_TRUE(budget.spend(10));
}

struct Recorder final : IoHandler {
  void onIo(uint32_t events) override {
    ++calls;
    last = events;
    if (stream != nullptr) stream->onEvents(events);
  }
  Stream* stream = nullptr;
  int calls = 0;
  uint32_t last = 0;
};

// A connected non-blocking stream pair; `a` is registered with the loop.
struct Pair {
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    a = Stream(fds[0]);
    b = Stream(fds[1]);
  }
  Stream a, b;
};

// A pair whose end `a` is registered with a loop, its events recorded into a's flags.
struct Watched {
  Watched() {
    r.stream = &p.a;
    EXPECT_EQ(loop.error(), 0);
    EXPECT_EQ(loop.add(p.a.fd(), &r), 0);
  }
  EventLoop loop;
  Pair p;
  Recorder r;
};

TEST(EventLoopTest, ShortReadClearsReadableAndAnEdgeSetsItAgain) {
  Watched w;
  auto& [loop, p, r] = w;
  char buf[64];
  // An adopted socket is assumed readable; the first read finds nothing and clears the flag.
  EXPECT_TRUE(p.a.readable());
  EXPECT_EQ(p.a.read(buf, sizeof buf), -EAGAIN);
  EXPECT_FALSE(p.a.readable());

  iovec hello{const_cast<char*>("hello"), 5};
  ASSERT_EQ(p.b.write(&hello, 1), 5);
  loop.poll(1000);
  EXPECT_GE(r.calls, 1);
  EXPECT_TRUE(r.last & EPOLLIN);
  ASSERT_TRUE(p.a.readable());
  EXPECT_EQ(p.a.read(buf, sizeof buf), 5);  // shorter than asked: drained
  EXPECT_FALSE(p.a.readable());
  EXPECT_EQ(std::string(buf, 5), "hello");

  // A read that fills the buffer leaves the flag set (more may be queued).
  iovec more{const_cast<char*>("0123456789"), 10};
  ASSERT_EQ(p.b.write(&more, 1), 10);
  loop.poll(1000);
  EXPECT_EQ(p.a.read(buf, 4), 4);
  EXPECT_TRUE(p.a.readable());
  EXPECT_EQ(p.a.read(buf, sizeof buf), 6);
  EXPECT_FALSE(p.a.readable());
}

TEST(EventLoopTest, HangupKeepsTheStreamReadableUntilEndOfStream) {
  Watched w;
  auto& [loop, p, r] = w;
  char buf[64];
  EXPECT_EQ(p.a.read(buf, sizeof buf), -EAGAIN);
  iovec last{const_cast<char*>("bye"), 3};
  ASSERT_EQ(p.b.write(&last, 1), 3);
  p.b.close();
  loop.poll(1000);
  EXPECT_TRUE(p.a.hangup());
  EXPECT_EQ(p.a.read(buf, sizeof buf), 3);
  EXPECT_TRUE(p.a.readable());  // still readable: the end of stream is next
  EXPECT_EQ(p.a.read(buf, sizeof buf), 0);
}

TEST(EventLoopTest, PartialWriteResumesOnTheWritableEdge) {
  Watched w;
  auto& [loop, p, r] = w;
  const int small = 4096;
  ::setsockopt(p.a.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  const std::string head = "HEAD:";
  const std::string body(1 << 20, 'x');
  WriteCursor out;
  out.reset(head.data(), head.size(), body.data(), body.size());
  ASSERT_EQ(out.sendOn(p.a), -EAGAIN);  // the socket buffer is far smaller than 1 MiB
  EXPECT_FALSE(p.a.writable());
  std::string received;
  char buf[65536];
  for (int round = 0; round < 10000 && !out.done(); ++round) {
    ssize_t n;
    while ((n = p.b.read(buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
    loop.poll(1000);  // the reader made room: an edge marks the stream writable again
    const int rc = out.sendOn(p.a);
    ASSERT_TRUE(rc == 0 || rc == -EAGAIN) << rc;
  }
  ASSERT_TRUE(out.done());
  ssize_t n;
  for (int i = 0; i < 1000 && received.size() < head.size() + body.size(); ++i) {
    while ((n = p.b.read(buf, sizeof buf)) > 0) received.append(buf, static_cast<size_t>(n));
  }
  ASSERT_EQ(received.size(), head.size() + body.size());
  EXPECT_EQ(received.substr(0, 5), head);
  EXPECT_EQ(received.find_first_not_of('x', 5), std::string::npos);
}

TEST(EventLoopTest, WriteCursorSkipsEmptyBuffers) {
  WriteCursor out;
  out.reset("", 0, "", 0);
  EXPECT_TRUE(out.done());
  out.reset("a", 1, nullptr, 0);
  EXPECT_FALSE(out.done());
  Pair p;
  EXPECT_EQ(out.sendOn(p.a), 0);
  char c = 0;
  EXPECT_EQ(p.b.read(&c, 1), 1);
  EXPECT_EQ(c, 'a');
}

TEST(EventLoopTest, ConnectReportsRefusalAndSuccess) {
  EventLoop loop;
  // A listening socket on an ephemeral port, and a port that was bound and released (refused).
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(::listen(listener, 8), 0);

  Stream ok;
  Recorder r;
  r.stream = &ok;
  int rc = ok.connect(loop, &r, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ASSERT_TRUE(rc == 0 || rc == -EINPROGRESS) << rc;
  for (int i = 0; i < 100 && !ok.writable(); ++i) loop.poll(100);
  ASSERT_TRUE(ok.writable());
  EXPECT_EQ(ok.connectError(), 0);

  ::close(listener);  // nothing listens on the port any more
  Stream refused;
  Recorder r2;
  r2.stream = &refused;
  rc = refused.connect(loop, &r2, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc == -EINPROGRESS) {
    for (int i = 0; i < 100 && !refused.writable(); ++i) loop.poll(100);
    rc = -refused.connectError();
  }
  EXPECT_EQ(rc, -ECONNREFUSED);
}

TEST(EventLoopTest, RetiredObjectsLiveUntilTheNextPollAndWakeupReturns) {
  EventLoop loop;
  auto object = std::make_shared<int>(7);
  std::weak_ptr<int> watch = object;
  loop.retire(std::move(object));
  EXPECT_FALSE(watch.expired());
  loop.wakeup();
  EXPECT_TRUE(loop.poll(1000));  // woken, and the retired object is gone
  EXPECT_TRUE(watch.expired());
  EXPECT_FALSE(loop.poll(0));
}

}  // namespace
}  // namespace aviary::proxy
