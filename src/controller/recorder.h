#pragma once
// The engine's tap for Flagger's controller metrics (pkg/metrics/recorder.go; the table in
// flagger-scheduler.md §8.1). The engine calls it at Flagger's update points; the runtime's
// implementation (runtime/controller_metrics.h) exports the prometheus series, tests record calls.
// Calls come from ticks of different canaries concurrently: implementations are thread-safe.
#include <string>

#include "api/canary.h"
#include "common/duration.h"

namespace aviary::controller {

// Flagger's `deployment_strategy` label: "ab-testing" with analysis.match, "blue-green" with
// analysis.iterations > 0 and no match, "canary" otherwise.
std::string deploymentStrategy(const api::Canary& canary);

class Recorder {
 public:
  virtual ~Recorder() = default;
  // flagger_canary_status: 0 Progressing, 2 Failed, 1 any other phase.
  virtual void setStatus(const api::Canary& canary, api::Phase phase) = 0;
  // flagger_canary_weight for workload "<target>-primary" and "<target>".
  virtual void setWeight(const api::Canary& canary, int32_t primary, int32_t canaryWeight) = 0;
  // flagger_canary_metric_analysis: the last value obtained for `metric`, before its threshold check.
  virtual void setAnalysis(const api::Canary& canary, const std::string& metric, double value) = 0;
  // flagger_canary_duration_seconds: wall time of a tick that reached the analysis section.
  virtual void observeDuration(const api::Canary& canary, Duration elapsed) = 0;
  // flagger_canary_successes_total (analysis_status "skipped" when `skipped`, else "completed").
  virtual void incSuccesses(const api::Canary& canary, bool skipped) = 0;
  // flagger_canary_failures_total (analysis_status "completed").
  virtual void incFailures(const api::Canary& canary) = 0;
};

class NopRecorder final : public Recorder {
 public:
  void setStatus(const api::Canary&, api::Phase) override {}
  void setWeight(const api::Canary&, int32_t, int32_t) override {}
  void setAnalysis(const api::Canary&, const std::string&, double) override {}
  void observeDuration(const api::Canary&, Duration) override {}
  void incSuccesses(const api::Canary&, bool) override {}
  void incFailures(const api::Canary&) override {}
};

}  // namespace aviary::controller
