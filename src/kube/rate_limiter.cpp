#include "kube/rate_limiter.h"

#include <thread>

namespace aviary::kube {

RateLimiter::RateLimiter(double qps, int burst, const Clock& clock, Sleeper sleep)
    : qps_(qps), burst_(burst < 1 ? 1 : burst), clock_(clock), sleep_(std::move(sleep)), tokens_(burst_) {
  if (!sleep_) sleep_ = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
}

std::chrono::nanoseconds RateLimiter::acquire() {
  if (qps_ <= 0) return std::chrono::nanoseconds{0};
  std::chrono::nanoseconds wait{0};
  {
    std::lock_guard lock(mu_);
    auto now = clock_.now();
    if (!started_) {
      started_ = true;
      last_ = now;
    }
    double elapsed = std::chrono::duration<double>(now - last_).count();
    if (elapsed > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
      last_ = now;
    }
    // Take the token now (possibly going negative): a reservation, so that concurrent callers
    // queue behind each other instead of all waking at once.
    tokens_ -= 1;
    if (tokens_ < 0) wait = std::chrono::nanoseconds(static_cast<int64_t>(-tokens_ / qps_ * 1e9));
  }
  if (wait.count() > 0) sleep_(wait);
  return wait;
}

}  // namespace aviary::kube
