#pragma once
// Builds the rollout history's records (controller/history.h) as a canary's ticks run, and hands
// each finished one to a HistoryStore.
//
// A record opens at the first tick that leaves the canary in an analysis phase (Waiting,
// Progressing, WaitingPromotion, Promoting, Finalising) and closes at the tick that leaves it
// Succeeded ("promoted") or Failed ("rolled back"); a restart on a newer revision, a canary
// being deleted (Terminating) or removed closes it as "Stopped". What a tick reports (events
// through the EventSink it wraps, metrics and webhooks through the AnalysisTap) is buffered per
// canary and kept only when the tick belongs to an open record. Steps are the distinct
// (phase, weight, iterations, failed checks) states the ticks left.
//
// The open record is checkpointed in the store at each new step; the first analysis tick after a
// restart of the controller takes a checkpoint of the same revision up again (RolloutRecord::resumed
// says when), so that a restart mid-analysis keeps the rollout's record whole but for the ticks
// between the last checkpoint and the restart.
//
// Thread-safe: ticks of different canaries run concurrently; one canary's ticks never overlap.
#include <map>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "controller/event_sink.h"
#include "controller/history.h"

namespace aviary::runtime {

class HistoryBuilder final : public controller::AnalysisTap, public controller::EventSink {
 public:
  // `events`: where events go on (the platform's sink). `store` may be null (nothing kept).
  HistoryBuilder(const Clock& clock, controller::EventSink& events, controller::HistoryStore* store)
      : clock_(clock), events_(events), store_(store) {}

  void record(const api::Canary& canary, const controller::Event& event) override;
  void onMetric(const api::Canary& canary, const api::CanaryMetric& metric, const metrics::MetricAnswer& answer,
                bool ok) override;
  void onWebhook(const api::Canary& canary, const api::CanaryWebhook& hook, const std::string& phase,
                 const Status& result) override;

  // After a tick (or the runtime's own status write, e.g. Terminating) left `after`.
  void afterTick(const api::Canary& canary, const api::CanaryStatus& after);
  // The canary is gone: an open record is closed as Stopped.
  void forget(const api::Canary& canary);

 private:
  struct State {
    bool open = false;
    bool seen = false;  // a tick of this canary has run in this process
    controller::RolloutRecord record;
    controller::RolloutRecord tick;  // this tick's events, metrics and webhooks
  };
  State& stateOf(const api::Canary& c);  // under mu_
  void close(const api::Canary& canary, State& s, const std::string& verdict, const std::string& reason);
  std::string now() const;
  template <typename F>
  void guarded(const api::Canary& canary, const char* what, F&& write);  // under mu_

  const Clock& clock_;
  controller::EventSink& events_;
  controller::HistoryStore* store_;
  std::mutex mu_;
  std::map<std::string, State> states_;
};

}  // namespace aviary::runtime
