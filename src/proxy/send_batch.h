#pragma once
// Sends the writes of one worker round to many sockets with one system call (io_uring).
//
// Why: where the proxy shares CPU cores with its clients and backends, every send wakes the peer
// on the other end, and the kernel often runs that peer on this core at once: the worker is
// preempted as the send returns, and the round's remaining writes wait for the peer's time slice.
// Those waits were the proxy's p95-p99 latency in bench/proxy.sh (docs/benchmarks.md, "Sends in
// one system call"). Handing all of a round's sends to the kernel in one io_uring_enter moves
// that preemption point after the last of them.
//
// The sends keep sendmsg's meaning: each is submitted with MSG_DONTWAIT, which makes io_uring try
// it once, inline, and report -EAGAIN for a full socket instead of taking the write over; a
// partial write reports its byte count. Each result is applied to its WriteCursor and Stream as
// WriteCursor::sendOn's own first write would have been, so the caller's later sendOn finds the
// write done, or the socket full, or the error, and goes on exactly as before.
//
// Unavailable (enabled() false, and writes go one by one as before) where io_uring cannot be set
// up: old kernels, container seccomp profiles, kernel.io_uring_disabled; or where a probe at
// construction shows sends not completing inline. One per worker thread; not thread-safe.
#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/event_loop.h"

namespace aviary::proxy {

class SendBatch {
 public:
  static constexpr unsigned kCapacity = 256;  // sends per system call; more go in the next one

  // `calls` and `sends` (optional) count the system calls made and the writes they carried.
  // `sendFlags` is for tests only: without MSG_DONTWAIT the kernel takes over a send to a full
  // socket, which the probe must notice (cancel, wait, disable) rather than hang on.
  explicit SendBatch(std::atomic<uint64_t>* calls = nullptr, std::atomic<uint64_t>* sends = nullptr,
                     int sendFlags = MSG_DONTWAIT);
  ~SendBatch();
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  bool enabled() const { return ring_ != nullptr; }
  // Why not enabled (empty when enabled): for the log.
  const std::string& why() const { return why_; }

  // Queues the unsent part of `cursor` for `stream`. Skips a cursor that is done, already queued
  // or has an error, and a stream not known writable. Submits first when the batch is full.
  void add(Stream& stream, WriteCursor& cursor);
  size_t size() const { return sends_.size(); }
  // Sends everything queued, in order, with one system call, and applies each result.
  void submit();

 private:
  struct Send {
    Stream* stream;
    WriteCursor* cursor;
    msghdr msg;
    size_t total;
    bool completed;  // its completion was seen
  };
  struct Ring;
  void disable(std::string why);

  std::unique_ptr<Ring> ring_;
  std::atomic<uint64_t>* calls_ = nullptr;  // set after the probe, which is not counted
  std::atomic<uint64_t>* sendsCounted_ = nullptr;
  int sendFlags_;
  std::vector<Send> sends_;
  std::string why_;
};

}  // namespace aviary::proxy
