#pragma once
// The threads that run ticks. Ticks block (webhooks, gates, metric queries, notifiers — each
// with its own deadline), so one slow canary must hold one thread only: the pool starts a new
// thread whenever a task arrives and none is idle, up to `maxThreads`, and a thread idle for
// `idleTimeout` exits (keeping `minThreads`). Flagger gets the same property from one goroutine
// per canary job.
//
// Thread-safe. Tasks must not throw (the runtime's tick wrapper catches).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "common/duration.h"

namespace aviary::runtime {

class TickPool {
 public:
  struct Options {
    size_t minThreads = 2;
    size_t maxThreads = 512;
    Duration idleTimeout{10 * 1000};
  };
  explicit TickPool(Options options);
  ~TickPool();  // stop()

  void submit(std::function<void()> task);
  // Lets queued tasks finish, then joins every thread. Idempotent.
  void stop();

  size_t threads() const;
  size_t busy() const;
  size_t queued() const;

 private:
  void run();

  Options options_;
  mutable std::mutex mu_;
  struct Waiter {
    std::condition_variable cv;
    bool signalled = false;
  };
  std::condition_variable exited_;
  std::deque<std::function<void()>> tasks_;
  size_t threads_ = 0;
  std::vector<Waiter*> idle_;  // idle threads, most recently idle last
  bool stopping_ = false;
};

}  // namespace aviary::runtime
