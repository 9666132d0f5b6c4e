#include "runtime/tick_pool.h"

#include <algorithm>

namespace aviary::runtime {

// Threads are detached-by-bookkeeping: each one decrements threads_ on exit and stop() waits for
// the count to reach zero, so no std::thread object has to be tracked for joining.
TickPool::TickPool(Options options) : options_(options) {}

TickPool::~TickPool() { stop(); }

void TickPool::submit(std::function<void()> task) {
  std::lock_guard lock(mu_);
  if (stopping_) return;
  tasks_.push_back(std::move(task));
  if (idle_ >= tasks_.size() || threads_ >= options_.maxThreads) {
    cv_.notify_one();
    return;
  }
  ++threads_;
  std::thread([this] { run(); }).detach();
}

void TickPool::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    while (tasks_.empty() && !stopping_) {
      ++idle_;
      const bool woke = cv_.wait_for(lock, options_.idleTimeout, [&] { return !tasks_.empty() || stopping_; });
      --idle_;
      if (!woke && threads_ > options_.minThreads) {
        --threads_;
        exited_.notify_all();
        return;
      }
    }
    if (tasks_.empty()) break;  // stopping and drained
    auto task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
  }
  --threads_;
  exited_.notify_all();
}

void TickPool::stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  exited_.wait(lock, [&] { return threads_ == 0; });
}

size_t TickPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}

size_t TickPool::busy() const {
  std::lock_guard lock(mu_);
  return threads_ - idle_;
}

size_t TickPool::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

}  // namespace aviary::runtime
