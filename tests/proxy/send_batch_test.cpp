// SendBatch on real loopback TCP sockets: a batch of writes leaves in order in one call, a full
// socket leaves the rest to WriteCursor::sendOn (resumed on the writable edge, bytes exact), a
// reset peer's error reaches sendOn without stopping the batch's other sends, and a cursor is
// never sent twice. Skipped (with the reason) only where io_uring is unavailable.
#include "proxy/send_batch.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "proxy/event_loop.h"

namespace aviary::proxy {
namespace {

// A connected loopback TCP pair: `a` (the sender, registered with `loop`) and `b` (the reader).
struct TcpPair final : IoHandler {
  explicit TcpPair(EventLoop& loop) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    EXPECT_EQ(::listen(listener, 1), 0);
    int rc = a.connect(loop, this, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    EXPECT_TRUE(rc == 0 || rc == -EINPROGRESS) << rc;
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_GE(fd, 0);
    b = Stream(fd);
    ::close(listener);
    for (int i = 0; i < 100 && !a.writable(); ++i) loop.poll(100);
    EXPECT_TRUE(a.writable());
  }
  void onIo(uint32_t events) override { a.onEvents(events); }
  // Everything b can read now.
  std::string drain() {
    std::string got;
    char buf[65536];
    ssize_t n;
    while ((n = b.read(buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
    return got;
  }
  Stream a, b;
};

#define SKIP_WITHOUT_IO_URING(batch) \
  if (!(batch).enabled()) GTEST_SKIP() << (batch).why()

TEST(SendBatchTest, SendsEveryQueuedWriteInOrderInOneSubmit) {
  SendBatch batch;
  SKIP_WITHOUT_IO_URING(batch);
  EventLoop loop;
  std::vector<std::unique_ptr<TcpPair>> pairs;
  std::vector<std::string> heads, bodies;
  std::vector<WriteCursor> cursors(5);
  for (int i = 0; i < 5; ++i) {
    pairs.push_back(std::make_unique<TcpPair>(loop));
    heads.push_back("HTTP/1.1 200 OK\r\ncontent-length: " + std::to_string(100 * i) + "\r\n\r\n");
    bodies.push_back(std::string(100 * i, static_cast<char>('a' + i)));
  }
  for (int i = 0; i < 5; ++i) {
    cursors[i].reset(heads[i].data(), heads[i].size(), bodies[i].data(), bodies[i].size());
    batch.add(pairs[i]->a, cursors[i]);
  }
  // Two cursors for one socket: they arrive in the order they were added.
  const std::string first = "first;", second = "second";
  WriteCursor c1, c2;
  c1.reset(first.data(), first.size(), nullptr, 0);
  c2.reset(second.data(), second.size(), nullptr, 0);
  batch.add(pairs[0]->a, c1);
  batch.add(pairs[0]->a, c2);
  ASSERT_EQ(batch.size(), 7u);
  batch.submit();
  EXPECT_EQ(batch.size(), 0u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(cursors[i].done()) << i;
    EXPECT_FALSE(cursors[i].batched);
    EXPECT_EQ(cursors[i].sendOn(pairs[i]->a), 0);  // nothing left: no second send
    EXPECT_TRUE(pairs[i]->a.writable());
    EXPECT_EQ(pairs[i]->drain(), heads[i] + bodies[i] + (i == 0 ? first + second : "")) << i;
  }
}

TEST(SendBatchTest, AFullSocketLeavesTheRestToSendOnOnTheWritableEdge) {
  SendBatch batch;
  SKIP_WITHOUT_IO_URING(batch);
  EventLoop loop;
  TcpPair full(loop), other(loop);
  const std::string head = "HEAD:";
  const std::string body(8 << 20, 'x');  // far more than an unread loopback connection holds
  WriteCursor big, after;
  big.reset(head.data(), head.size(), body.data(), body.size());
  const std::string note = "sent after the full one";
  after.reset(note.data(), note.size(), nullptr, 0);
  batch.add(full.a, big);
  batch.add(other.a, after);
  batch.submit();
  // The full socket took part of the write (or none) and is marked not writable; the next send in
  // the batch still went out.
  EXPECT_FALSE(big.done());
  EXPECT_EQ(big.error, 0);
  EXPECT_FALSE(full.a.writable());
  EXPECT_EQ(big.sendOn(full.a), -EAGAIN);  // no system call: the flag says wait for the edge
  EXPECT_TRUE(after.done());
  EXPECT_EQ(other.drain(), note);

  // The reader makes room; the edge marks the socket writable; sendOn sends on, bytes exact.
  std::string received;
  for (int round = 0; round < 100000 && !big.done(); ++round) {
    received += full.drain();
    loop.poll(10);
    const int rc = big.sendOn(full.a);
    ASSERT_TRUE(rc == 0 || rc == -EAGAIN) << rc;
  }
  ASSERT_TRUE(big.done());
  for (int i = 0; i < 1000 && received.size() < head.size() + body.size(); ++i) {
    received += full.drain();
    loop.poll(10);
  }
  ASSERT_EQ(received.size(), head.size() + body.size());
  EXPECT_EQ(received.substr(0, head.size()), head);
  EXPECT_EQ(received.find_first_not_of('x', head.size()), std::string::npos);
}

TEST(SendBatchTest, AResetPeerIsReportedBySendOnAndTheOtherSendsGoOut) {
  SendBatch batch;
  SKIP_WITHOUT_IO_URING(batch);
  EventLoop loop;
  TcpPair reset(loop), fine(loop);
  // Close the reader with a reset (linger 0): the sender's next send fails.
  const linger hard{1, 0};
  ::setsockopt(reset.b.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  reset.b.close();
  const std::string a = "to nobody", b = "to somebody";
  WriteCursor lost, kept;
  lost.reset(a.data(), a.size(), nullptr, 0);
  kept.reset(b.data(), b.size(), nullptr, 0);
  batch.add(reset.a, lost);
  batch.add(fine.a, kept);
  batch.submit();
  EXPECT_TRUE(lost.error == -ECONNRESET || lost.error == -EPIPE) << lost.error;
  EXPECT_FALSE(lost.done());
  EXPECT_EQ(lost.sendOn(reset.a), lost.error);
  EXPECT_TRUE(kept.done());
  EXPECT_EQ(fine.drain(), b);
  // A new write on the cursor starts clean.
  lost.reset(a.data(), a.size(), nullptr, 0);
  EXPECT_EQ(lost.error, 0);
}

TEST(SendBatchTest, NeverQueuesACursorTwiceNorOneWithNothingToSend) {
  SendBatch batch;
  SKIP_WITHOUT_IO_URING(batch);
  EventLoop loop;
  TcpPair p(loop);
  const std::string text = "once";
  WriteCursor c, empty, failed;
  c.reset(text.data(), text.size(), nullptr, 0);
  empty.reset("", 0, nullptr, 0);
  failed.reset(text.data(), text.size(), nullptr, 0);
  failed.error = -EPIPE;
  batch.add(p.a, c);
  batch.add(p.a, c);  // the same pending write, queued by two flushes
  batch.add(p.a, empty);
  batch.add(p.a, failed);
  EXPECT_EQ(batch.size(), 1u);
  batch.submit();
  EXPECT_TRUE(c.done());
  EXPECT_EQ(p.drain(), text);
  EXPECT_EQ(failed.remaining(), text.size());  // untouched

  // A socket known to be full is not tried.
  Stream& s = p.a;
  ASSERT_EQ(s.wrote(-EAGAIN, 1), -EAGAIN);
  EXPECT_FALSE(s.writable());
  WriteCursor waits;
  waits.reset(text.data(), text.size(), nullptr, 0);
  batch.add(s, waits);
  EXPECT_EQ(batch.size(), 0u);
}

TEST(SendBatchTest, MoreThanOneBatchOfWritesGoOutInOrder) {
  std::atomic<uint64_t> calls{0}, sends{0};
  SendBatch batch(&calls, &sends);
  SKIP_WITHOUT_IO_URING(batch);
  EventLoop loop;
  TcpPair p(loop);
  const size_t n = SendBatch::kCapacity + 44;  // the batch submits when full, then goes on
  std::vector<std::string> parts;
  std::vector<WriteCursor> cursors(n);
  std::string expected;
  for (size_t i = 0; i < n; ++i) parts.push_back(std::to_string(i) + ",");
  for (size_t i = 0; i < n; ++i) {
    cursors[i].reset(parts[i].data(), parts[i].size(), nullptr, 0);
    batch.add(p.a, cursors[i]);
    expected += parts[i];
  }
  EXPECT_EQ(batch.size(), 44u);
  EXPECT_EQ(calls.load(), 1u);  // the full batch (the probe at construction is not counted)
  batch.submit();
  EXPECT_EQ(calls.load(), 2u);
  EXPECT_EQ(sends.load(), n);
  for (const auto& c : cursors) EXPECT_TRUE(c.done());
  std::string got;
  for (int i = 0; i < 100 && got.size() < expected.size(); ++i) got += p.drain();
  EXPECT_EQ(got, expected);
}

TEST(SendBatchTest, TurnsItselfOffWhenASendIsNotCompletedAtOnce) {
  if (!SendBatch().enabled()) GTEST_SKIP() << SendBatch().why();
  // Without MSG_DONTWAIT io_uring waits for room in the probe's full socket: the probe cancels that
  // send, waits for its completion (it must not hang), and turns the batch off.
  SendBatch batch(nullptr, nullptr, 0);
  EXPECT_FALSE(batch.enabled());
  EXPECT_EQ(batch.why(), "io_uring sends did not complete inline");
  EventLoop loop;
  TcpPair p(loop);
  WriteCursor c;
  c.reset("x", 1, nullptr, 0);
  batch.add(p.a, c);  // off: nothing is queued, the writer sends on its own
  EXPECT_EQ(batch.size(), 0u);
  EXPECT_EQ(c.sendOn(p.a), 0);
  EXPECT_EQ(p.drain(), "x");
}

TEST(WriteCursorTest, AnErrorFromAnEarlierSendIsReportedUntilReset) {
  WriteCursor c;
  c.reset("abc", 3, "de", 2);
  EXPECT_EQ(c.remaining(), 5u);
  c.advance(4);
  EXPECT_EQ(c.remaining(), 1u);
  EXPECT_FALSE(c.done());
  c.advance(1);
  EXPECT_TRUE(c.done());
  c.reset("abc", 3, nullptr, 0);
  c.error = -ECONNRESET;
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
  Stream a(fds[0]), b(fds[1]);
  EXPECT_EQ(c.sendOn(a), -ECONNRESET);  // not sent
  char buf[8];
  EXPECT_EQ(b.read(buf, sizeof buf), -EAGAIN);
  c.reset("abc", 3, nullptr, 0);
  EXPECT_EQ(c.sendOn(a), 0);
  EXPECT_EQ(b.read(buf, sizeof buf), 3);
}

}  // namespace
}  // namespace aviary::proxy
