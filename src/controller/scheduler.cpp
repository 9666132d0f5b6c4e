#include "controller/scheduler.h"

namespace aviary::controller {

Duration Scheduler::intervalOf(const CanaryRuntime& canary) {
  const auto& a = canary.resource->spec.analysis;
  return a ? a->interval : Duration(std::chrono::seconds(60));
}

void Scheduler::upsert(const std::string& key, CanaryRuntime* canary) {
  // A new job ticks immediately, like Flagger's job start.
  jobs_[key] = Job{canary, intervalOf(*canary), clock_.now()};
}

void Scheduler::remove(const std::string& key) { jobs_.erase(key); }

int Scheduler::runDue() {
  const auto now = clock_.now();
  int ran = 0;
  for (auto& [key, job] : jobs_) {
    const Duration interval = intervalOf(*job.canary);
    if (interval != job.interval) {
      job.interval = interval;
      job.next = now;
    }
    if (job.next > now) continue;
    engine_.tick(*job.canary);
    ++ran;
    // Missed intervals are dropped: the next tick is one interval after the latest due time.
    const auto behind = (now - job.next) / job.interval;
    job.next += job.interval * (behind + 1);
  }
  return ran;
}

std::optional<Clock::TimePoint> Scheduler::nextDue() const {
  std::optional<Clock::TimePoint> best;
  for (const auto& [key, job] : jobs_) {
    if (!best || job.next < *best) best = job.next;
  }
  return best;
}

}  // namespace aviary::controller
