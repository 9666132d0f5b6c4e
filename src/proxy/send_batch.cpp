#include "proxy/send_batch.h"

#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

// liburing (Debian's liburing-dev) rather than raw io_uring_setup/io_uring_enter: the ring's
// memory barriers and mmap layout are exactly what a well-kept library should own.
namespace aviary::proxy {

struct SendBatch::Ring {
  io_uring ring{};
  bool live = false;
  ~Ring() {
    if (live) io_uring_queue_exit(&ring);
  }
};

namespace {
constexpr uint64_t kCancelTag = ~0ull;

void apply(Stream& stream, WriteCursor& cursor, size_t total, int res) {
  if (res == -ECANCELED) return;  // never attempted: the caller's own sendOn tries it
  const ssize_t n = stream.wrote(res, total);
  if (n >= 0) {
    cursor.advance(static_cast<size_t>(n));
  } else if (n != -EAGAIN) {
    cursor.error = static_cast<int>(n);
  }
}
}  // namespace

SendBatch::SendBatch(std::atomic<uint64_t>* calls, std::atomic<uint64_t>* sends, int sendFlags)
    : sendFlags_(sendFlags) {
  auto ring = std::make_unique<Ring>();
  io_uring_params params{};
  // SUBMIT_ALL: a send that fails at submission does not hold back the ones after it.
  // COOP_TASKRUN: no interrupt of this thread to post completions (they are all inline anyway).
  params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init_params(kCapacity, &ring->ring, &params);
  if (rc == -EINVAL) {  // a kernel older than 5.19 without those flags
    params = {};
    rc = io_uring_queue_init_params(kCapacity, &ring->ring, &params);
  }
  if (rc < 0) {
    why_ = std::string("io_uring unavailable: ") + std::strerror(-rc);
    return;
  }
  ring->live = true;
  ring_ = std::move(ring);
  sends_.reserve(kCapacity);

  // Probe the one property relied on: a send to a full socket completes at once with -EAGAIN and
  // one to a socket with room completes at once with its byte count.
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
    disable(std::string("probe socketpair: ") + std::strerror(errno));
    return;
  }
  Stream full(sv[0]), room(sv[1]);
  const int small = 4096;
  ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  char fill[4096] = {};
  for (int i = 0; i < 4096 && ::send(sv[0], fill, sizeof fill, MSG_DONTWAIT) > 0; ++i) {
  }
  WriteCursor toFull, toRoom;
  toFull.reset("x", 1, nullptr, 0);
  toRoom.reset("y", 1, nullptr, 0);
  add(full, toFull);
  add(room, toRoom);
  submit();
  if (!enabled()) return;  // submit found a send not completed inline and disabled the batch
  if (toFull.done() || full.writable() || toFull.error != 0 || !toRoom.done()) {
    disable("io_uring sends do not behave like sendmsg(MSG_DONTWAIT) here");
  }
  calls_ = calls;
  sendsCounted_ = sends;
}

SendBatch::~SendBatch() = default;

void SendBatch::disable(std::string why) {
  why_ = std::move(why);
  ring_.reset();
}

void SendBatch::add(Stream& stream, WriteCursor& cursor) {
  if (!ring_ || cursor.done() || cursor.batched || cursor.error != 0 || !stream.writable()) return;
  if (sends_.size() == kCapacity) submit();
  if (!ring_) return;
  cursor.batched = true;
  sends_.push_back(Send{&stream, &cursor, msghdr{}, cursor.remaining(), false});
}

void SendBatch::submit() {
  if (sends_.empty()) return;
  io_uring* ring = ring_ ? &ring_->ring : nullptr;
  size_t completed = 0;
  if (ring != nullptr) {
    // The msghdrs point into sends_, which does not grow from here on; the kernel reads them
    // during the submission, which is also when the sends run.
    for (size_t i = 0; i < sends_.size(); ++i) {
      Send& s = sends_[i];
      s.msg.msg_iov = s.cursor->iov.data() + s.cursor->first;
      s.msg.msg_iovlen = static_cast<size_t>(2 - s.cursor->first);
      io_uring_sqe* sqe = io_uring_get_sqe(ring);  // never null: at most kCapacity queued
      io_uring_prep_sendmsg(sqe, s.stream->fd(), &s.msg, sendFlags_ | MSG_NOSIGNAL);
      io_uring_sqe_set_data64(sqe, i);
    }
    const int submitted = io_uring_submit(ring);
    if (calls_ != nullptr) calls_->fetch_add(1, std::memory_order_relaxed);
    if (sendsCounted_ != nullptr) sendsCounted_->fetch_add(sends_.size(), std::memory_order_relaxed);
    io_uring_cqe* cqe = nullptr;
    if (submitted >= 0) {
      unsigned head;
      io_uring_for_each_cqe(ring, head, cqe) {
        Send& s = sends_[cqe->user_data];
        apply(*s.stream, *s.cursor, s.total, cqe->res);
        s.completed = true;
        ++completed;
      }
      io_uring_cq_advance(ring, static_cast<unsigned>(completed));
    }
    if (submitted != static_cast<int>(sends_.size()) || completed != sends_.size()) {
      // Not expected after the probe. A send the kernel took over (or left unsubmitted) could
      // still run later, from buffers the caller will reuse: cancel and wait for every one of
      // them, then send one by one from now on.
      if (submitted > 0 && completed < static_cast<size_t>(submitted)) {
        // One cancel per missing send, by its tag (the SQ is empty again after the submit).
        for (size_t i = 0; i < static_cast<size_t>(submitted); ++i) {
          if (sends_[i].completed) continue;
          io_uring_sqe* sqe = io_uring_get_sqe(ring);
          io_uring_prep_cancel64(sqe, i, 0);
          io_uring_sqe_set_data64(sqe, kCancelTag);
        }
        io_uring_submit(ring);
        while (completed < static_cast<size_t>(submitted)) {
          if (io_uring_wait_cqe(ring, &cqe) != 0) break;
          if (cqe->user_data != kCancelTag) {
            Send& s = sends_[cqe->user_data];
            apply(*s.stream, *s.cursor, s.total, cqe->res);
            s.completed = true;
            ++completed;
          }
          io_uring_cqe_seen(ring, cqe);
        }
      }
      disable(submitted < 0 ? std::string("io_uring_enter: ") + std::strerror(-submitted)
                            : "io_uring sends did not complete inline");
    }
  }
  for (Send& s : sends_) s.cursor->batched = false;
  sends_.clear();
}

}  // namespace aviary::proxy
