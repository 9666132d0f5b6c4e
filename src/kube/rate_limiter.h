#pragma once
// Client-side rate limiting as client-go's token bucket (`-kube-api-qps`, `-kube-api-burst`):
// `burst` requests at once, then `qps` per second. Thread-safe; acquire() blocks by calling the
// injected Sleeper (tests pass one that advances a ManualClock instead of sleeping).
#include <chrono>
#include <functional>
#include <mutex>

#include "common/clock.h"

namespace aviary::kube {

using Sleeper = std::function<void(std::chrono::nanoseconds)>;

class RateLimiter {
 public:
  // qps <= 0 disables limiting. burst < 1 is taken as 1.
  RateLimiter(double qps, int burst, const Clock& clock, Sleeper sleep);
  // Takes one token, waiting (via the Sleeper) until one is available. Returns the time waited.
  std::chrono::nanoseconds acquire();

 private:
  double qps_;
  double burst_;
  const Clock& clock_;
  Sleeper sleep_;
  std::mutex mu_;
  double tokens_;
  Clock::TimePoint last_;
  bool started_ = false;
};

}  // namespace aviary::kube
