#pragma once
// The data path's I/O primitives: a per-worker edge-triggered epoll loop (EventLoop), a
// non-blocking TCP socket whose readiness is tracked from those edges (Stream), and a cursor over
// the two buffers of a pending write (WriteCursor). Single-threaded except EventLoop::wakeup().
//
// Why not Boost.Asio here (it is used everywhere else): Asio 1.18's reactive sockets try a
// speculative recv() before every async_read_some, which on a keep-alive proxy fails once per
// request, and its scheduler re-polls epoll whenever its queue drains. Tracking readiness
// ourselves (HAProxy's model) means a read is attempted only after an edge said data arrived or a
// full-buffer read said more may be waiting, and one epoll_wait serves a whole round of events.
// No Debian package offers such a loop that fits under our Session/Exchange state machine.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace aviary::proxy {

// Receives the readiness events of one file descriptor registered with an EventLoop.
class IoHandler {
 public:
  virtual void onIo(uint32_t events) = 0;

 protected:
  ~IoHandler() = default;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  // Non-zero (an errno value) when the epoll set could not be created; nothing else works then.
  int error() const { return error_; }

  // Registers `fd` edge-triggered for input, output and hang-up; events go to `handler` until
  // the fd is closed (closing removes it from the set). Returns 0 or an errno value.
  int add(int fd, IoHandler* handler);
  // Frees the objects retired since the last call, waits up to `timeoutMs` (-1: no limit) and
  // dispatches every ready event. Returns true when wakeup() was called.
  bool poll(int timeoutMs);
  // Thread-safe: makes the current or next poll() return promptly.
  void wakeup();
  // Keeps `object` alive until the next poll(): an object closed while handling an event may
  // still be named by a later event of the same batch.
  void retire(std::shared_ptr<void> object) { retired_.push_back(std::move(object)); }

 private:
  void freeRetired();

  int error_ = 0;
  int epfd_ = -1;
  int wakeFd_ = -1;
  std::array<epoll_event, 200> events_{};  // HAProxy's default maxpollevents
  std::vector<std::shared_ptr<void>> retired_;
};

// A non-blocking TCP socket. Its readable/writable flags are set by edges and cleared when an
// operation shows the socket drained (a short read) or full (a short write), so callers attempt
// I/O only when it can make progress. Move-only; closes on destruction.
class Stream {
 public:
  Stream() = default;
  // Adopts a connected (accepted) socket; it is assumed readable and writable until shown not.
  explicit Stream(int fd) : fd_(fd), readable_(true), writable_(true) {}
  ~Stream() { close(); }
  Stream(Stream&& o) noexcept { *this = std::move(o); }
  Stream& operator=(Stream&& o) noexcept;

  // Starts a non-blocking connect to `addr` and registers the socket with `loop` for `handler`.
  // Returns 0 (connected), -EINPROGRESS (wait until writable(), then connectError()) or -errno.
  int connect(EventLoop& loop, IoHandler* handler, const sockaddr* addr, socklen_t len);
  // The pending error of a finished non-blocking connect (0 = connected).
  int connectError() const;

  // Sends small writes at once (TCP_NODELAY): a proxy's writes are whole messages.
  void setNoDelay();
  void onEvents(uint32_t events);
  bool isOpen() const { return fd_ >= 0; }
  bool readable() const { return readable_; }
  bool writable() const { return writable_; }
  // The peer hung up or the socket failed (the next read reports it).
  bool hangup() const { return hangup_; }
  int fd() const { return fd_; }

  // > 0: bytes read; 0: end of stream; -EAGAIN: nothing now (wait for an edge); < 0: -errno.
  ssize_t read(char* data, size_t size);
  // Writes what the socket takes now: bytes written, -EAGAIN (nothing; wait for an edge), -errno.
  ssize_t write(const iovec* iov, int count);
  // Takes the result of a send of `total` bytes made elsewhere (SendBatch) as write() takes its
  // own: a short count or -EAGAIN clears writable(). Returns `result`.
  ssize_t wrote(ssize_t result, size_t total);
  void shutdown();
  // Half-close: the peer reads end of stream; this side can still read.
  void shutdownWrite();
  void close();

 private:
  int fd_ = -1;
  bool readable_ = false;
  bool writable_ = false;
  bool hangup_ = false;
};

// The unsent part of a write of up to two buffers (head and body).
struct WriteCursor {
  std::array<iovec, 2> iov{};
  int first = 0;
  // A send made ahead of sendOn by a SendBatch failed with this -errno; sendOn reports it.
  int error = 0;
  // Queued in a SendBatch that has not been submitted yet (so it is not queued twice).
  bool batched = false;

  void reset(const void* a, size_t alen, const void* b, size_t blen);
  bool done() const { return first == 2; }
  size_t remaining() const;
  // Drops the first `n` unsent bytes (they were sent).
  void advance(size_t n);
  // Sends what `stream` takes now. Returns 0 when the whole write is done, -EAGAIN when the
  // rest must wait for an edge, or -errno.
  int sendOn(Stream& stream);
};

}  // namespace aviary::proxy
