#pragma once
// A work queue with client-go's semantics (k8s.io/client-go/util/workqueue): a key is handed to
// one worker at a time; adding a key that is already queued does nothing; adding a key that is
// being processed queues it again once its worker calls done(); failed keys come back after a
// per-key exponential back-off (5 ms doubling to 1000 s, client-go's default controller rate
// limiter without its overall token bucket, which only matters against an API server).
//
// Thread-safe. Time is read from the injected Clock's monotonic(); with a ManualClock, call
// wake() after advancing it so that waiting workers re-check their delayed keys.
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/clock.h"
#include "common/duration.h"

namespace aviary::runtime {

class WorkQueue {
 public:
  struct Options {
    Duration baseDelay{5};
    Duration maxDelay{1000 * 1000};
  };
  explicit WorkQueue(const Clock& clock) : WorkQueue(clock, Options{}) {}
  WorkQueue(const Clock& clock, Options options) : clock_(clock), options_(options) {}

  void add(const std::string& key);
  // Adds `key` once `delay` has passed (an earlier pending delay for the key wins).
  void addAfter(const std::string& key, Duration delay);
  // Adds `key` after its back-off, which doubles with each call until forget(key).
  void addRateLimited(const std::string& key);
  // Resets the key's back-off (call after a successful processing).
  void forget(const std::string& key);
  int retries(const std::string& key) const;

  // Blocks until a key is ready, then marks it processing; nullopt once shut down.
  std::optional<std::string> get();
  // Marks the key done; re-queues it when it was added while processing.
  void done(const std::string& key);
  // Wakes every get() (they return nullopt). Keys still queued are dropped.
  void shutDown();
  void wake();

  size_t length() const;

 private:
  void promoteDue(Clock::SteadyPoint now);  // under mu_
  void addLocked(const std::string& key);

  const Clock& clock_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;       // queued (or to be re-queued after processing)
  std::set<std::string> processing_;
  std::multimap<Clock::SteadyPoint, std::string> delayed_;
  std::map<std::string, int> failures_;
  bool shutDown_ = false;
};

}  // namespace aviary::runtime
