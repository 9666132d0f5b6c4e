#include "runtime/work_queue.h"

#include <algorithm>

namespace aviary::runtime {

void WorkQueue::addLocked(const std::string& key) {
  if (shutDown_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // done() re-queues it
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  addLocked(key);
}

void WorkQueue::addAfter(const std::string& key, Duration delay) {
  if (delay <= Duration::zero()) return add(key);
  std::lock_guard lock(mu_);
  if (shutDown_) return;
  delayed_.emplace(clock_.monotonic() + delay, key);
  cv_.notify_all();  // a waiting worker may need to wake earlier
}

void WorkQueue::addRateLimited(const std::string& key) {
  Duration delay;
  {
    std::lock_guard lock(mu_);
    const int n = failures_[key]++;
    // 5 ms * 2^n, capped; the shift is bounded so that it cannot overflow.
    const auto factor = int64_t{1} << std::min(n, 30);
    delay = std::min(options_.maxDelay, Duration(options_.baseDelay.count() * factor));
  }
  addAfter(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::retries(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::promoteDue(Clock::SteadyPoint now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    addLocked(key);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutDown_) return std::nullopt;
    promoteDue(clock_.monotonic());
    if (!queue_.empty()) break;
    if (delayed_.empty()) {
      cv_.wait(lock);
    } else {
      // Real time and the injected clock may differ (ManualClock): wait at most the remaining
      // delay as the clock sees it; wake() re-checks after a manual advance.
      const auto remaining = delayed_.begin()->first - clock_.monotonic();
      cv_.wait_for(lock, std::max<std::chrono::steady_clock::duration>(remaining, std::chrono::milliseconds(1)));
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutDown_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mu_);
  shutDown_ = true;
  queue_.clear();
  delayed_.clear();
  cv_.notify_all();
}

void WorkQueue::wake() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

size_t WorkQueue::length() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace aviary::runtime
