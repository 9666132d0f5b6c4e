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
  if (!idle_.empty()) {
    // Wake the most recently idle thread (LIFO): under a steady load the same few threads keep
    // working and the rest stay idle long enough to exit. A FIFO wake (one shared condition
    // variable) would rotate through every thread and keep a burst's peak alive forever.
    Waiter* w = idle_.back();
    idle_.pop_back();
    w->signalled = true;
    w->cv.notify_one();
    return;
  }
  if (threads_ >= options_.maxThreads) return;  // a thread that finishes its task takes it
  ++threads_;
  std::thread([this] { run(); }).detach();
}

void TickPool::run() {
  std::unique_lock lock(mu_);
  Waiter self;
  for (;;) {
    if (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // destroy captures outside the lock
      lock.lock();
      continue;
    }
    if (stopping_) break;
    self.signalled = false;
    idle_.push_back(&self);
    const bool woke = self.cv.wait_for(lock, options_.idleTimeout, [&] { return self.signalled || stopping_; });
    if (!self.signalled) idle_.erase(std::find(idle_.begin(), idle_.end(), &self));
    if (!woke && threads_ > options_.minThreads) break;
  }
  --threads_;
  exited_.notify_all();
}

void TickPool::stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  for (Waiter* w : idle_) w->cv.notify_one();
  exited_.wait(lock, [&] { return threads_ == 0; });
}

size_t TickPool::threads() const {
  std::lock_guard lock(mu_);
  return threads_;
}

size_t TickPool::busy() const {
  std::lock_guard lock(mu_);
  return threads_ - idle_.size();
}

size_t TickPool::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

}  // namespace aviary::runtime
