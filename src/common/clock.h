#pragma once
// Injected time and randomness: everything that reads the time or draws a random number takes
// one of these, so tests and `aviary simulate` are deterministic.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <memory>
#include <random>

namespace aviary {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  using SteadyPoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  // Wall-clock time (used for status timestamps and event times).
  virtual TimePoint now() const = 0;
  // Monotonic time (used for scheduling and deadlines: never jumps when the wall clock is set).
  virtual SteadyPoint monotonic() const { return std::chrono::steady_clock::now(); }
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}
  TimePoint now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  // Starts at the steady clock's epoch and moves only with advance() (set() moves the wall time only).
  SteadyPoint monotonic() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }
  void advance(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    now_ += d;
    steady_ += d;
  }
  void set(TimePoint t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  SteadyPoint steady_{};
};

class Random {
 public:
  virtual ~Random() = default;
  // Uniform integer in [0, bound). bound > 0.
  virtual uint64_t next(uint64_t bound) = 0;
};

// Seeded PRNG (std::mt19937_64). Not thread-safe: one per thread/owner.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : gen_(seed) {}
  uint64_t next(uint64_t bound) override { return std::uniform_int_distribution<uint64_t>(0, bound - 1)(gen_); }

 private:
  std::mt19937_64 gen_;
};

// A SeededRandom made on first use: the same sequence, but an owner that never draws (most
// canaries' routers) does not carry the generator's 2.5 KB state.
class LazySeededRandom final : public Random {
 public:
  explicit LazySeededRandom(uint64_t seed) : seed_(seed) {}
  uint64_t next(uint64_t bound) override {
    if (!gen_) gen_ = std::make_unique<SeededRandom>(seed_);
    return gen_->next(bound);
  }

 private:
  uint64_t seed_;
  std::unique_ptr<SeededRandom> gen_;
};

}  // namespace aviary
