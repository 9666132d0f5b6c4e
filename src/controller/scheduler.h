#pragma once
// Per-canary jobs over one Engine (Flagger §2.3): a canary added (or whose analysis.interval
// changed) is ticked at once and then every interval; a job never runs two ticks for one
// interval, and missed intervals collapse into one tick (Go ticker semantics). Single-threaded
// and clock-driven: the caller calls runDue() whenever it likes (e.g. after sleeping until
// nextDue() on a real clock, or after advancing a ManualClock), so it is deterministic in tests.
#include <map>
#include <optional>
#include <string>

#include "controller/engine.h"

namespace aviary::controller {

class Scheduler {
 public:
  Scheduler(const Engine& engine, const Clock& clock) : engine_(engine), clock_(clock) {}

  // Adds or replaces the job of `key` ("name.namespace"). `canary` must outlive the job.
  void upsert(const std::string& key, CanaryRuntime* canary);
  void remove(const std::string& key);
  size_t size() const { return jobs_.size(); }

  // Ticks every canary whose time has come (in key order); returns how many ticks ran.
  // A job whose canary's effective interval changed restarts (immediate tick, §11.19).
  int runDue();
  // The earliest time a job is due, or nullopt without jobs.
  std::optional<Clock::TimePoint> nextDue() const;

  // The effective tick period of a canary: analysis.interval (decoded with Flagger's default
  // and 10 s floor), 60 s without an analysis block.
  static Duration intervalOf(const CanaryRuntime& canary);

 private:
  struct Job {
    CanaryRuntime* canary = nullptr;
    Duration interval{0};
    Clock::TimePoint next{};
  };
  const Engine& engine_;
  const Clock& clock_;
  std::map<std::string, Job> jobs_;
};

}  // namespace aviary::controller
