#pragma once
// Rollout history (docs/operations.md): one record per finished analysis — promoted
// (Succeeded), rolled back (Failed) or stopped (restarted by a newer revision, or the canary
// deleted) — with its revision, start and end, the steps with their weights and times, every
// metric value with its threshold, the webhook results, the events, and the verdict with its
// reason. The runtime builds records (runtime/history_builder.h) from what the engine reports
// through an AnalysisTap; a HistoryStore keeps the last kHistoryLimit per canary (the local
// platform's state directory, a ConfigMap NAME-aviary-history on Kubernetes).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/canary.h"
#include "common/result.h"
#include "controller/event_sink.h"
#include "metrics/checker.h"

namespace aviary::controller {

inline constexpr size_t kHistoryLimit = 10;

struct StepRecord {
  std::string time;  // RFC3339, when the tick that reached it ended
  std::string phase;
  int32_t canaryWeight = 0;
  int32_t iterations = 0;
  int32_t failedChecks = 0;
};

struct MetricRecord {
  std::string time;
  std::string name;
  std::optional<double> value;  // absent for "no values" and errors (`error` says which)
  std::string error;
  std::optional<double> min, max;  // thresholdRange (or Flagger's legacy threshold as min)
  bool ok = false;
};

struct WebhookRecord {
  std::string time;
  std::string name, type, phase;
  bool ok = false;
  std::string error;
};

struct EventRecord {
  std::string time, type, message;
};

struct RolloutRecord {
  std::string revision;  // status.lastAppliedSpec when the analysis started
  std::string start, end;
  std::string verdict;  // "Succeeded" (promoted) | "Failed" (rolled back) | "Stopped"; "" while open
  std::string reason;
  // When a restarted controller took the open record up again from its checkpoint (RFC3339):
  // what happened between the last checkpoint and that time is not in the record.
  std::vector<std::string> resumed;
  std::vector<StepRecord> steps;
  std::vector<MetricRecord> metrics;
  std::vector<WebhookRecord> webhooks;
  std::vector<EventRecord> events;
};

nlohmann::json toJson(const RolloutRecord& r);
// Lenient: missing fields stay empty (records written by a later version may have more).
RolloutRecord recordFromJson(const nlohmann::json& j);

// What a tick evaluated, with the canary it was for (the engine calls it synchronously from the
// canary's tick; calls for different canaries come from different threads).
class AnalysisTap {
 public:
  virtual ~AnalysisTap() = default;
  virtual void onMetric(const api::Canary& canary, const api::CanaryMetric& metric, const metrics::MetricAnswer& answer,
                        bool ok) = 0;
  virtual void onWebhook(const api::Canary& canary, const api::CanaryWebhook& hook, const std::string& phase,
                         const Status& result) = 0;
};

// Where finished records are kept, and the checkpoint of the one being built. Thread-safe.
class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  // Appends `record` to the canary's history, dropping the oldest beyond kHistoryLimit, and
  // drops the canary's checkpoint.
  virtual Status append(const api::Canary& canary, const RolloutRecord& record) = 0;
  // Replaces the canary's checkpoint: the record of the analysis running now, so that a
  // controller restarted mid-analysis goes on with it instead of starting a partial one.
  virtual Status checkpoint(const api::Canary& canary, const RolloutRecord& open) = 0;
  // The canary's checkpoint; nullopt when there is none.
  virtual Result<std::optional<RolloutRecord>> checkpointOf(const std::string& ns, const std::string& name) const = 0;
  // Oldest first; empty when none.
  virtual Result<std::vector<RolloutRecord>> list(const std::string& ns, const std::string& name) const = 0;
};

}  // namespace aviary::controller
