#pragma once
// Flagger's controller metrics (flagger-scheduler.md §8.1: names, labels, semantics) and
// Aviary's own runtime counters, in one prometheus-cpp registry served on the controller's
// /metrics. Series are never deleted when canaries disappear, as in Flagger.
//
// Aviary's own series (not in Flagger):
//   aviary_webhook_failures_total{name, namespace, webhook, type}  webhook answers not OK (gates: closed)
//   aviary_notifier_failures_total{provider}                      failed alert deliveries
//   aviary_status_write_conflicts_total                            status writes retried on Conflict
//   aviary_tick_lateness_seconds (histogram)                       tick start minus its due time
//   aviary_ticks_total                                             ticks run
// Thread-safe.
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "controller/recorder.h"

namespace aviary::runtime {

class ControllerMetrics final : public controller::Recorder {
 public:
  ControllerMetrics(const std::string& version, const std::string& meshProvider);

  // controller::Recorder
  void setStatus(const api::Canary& canary, api::Phase phase) override;
  void setWeight(const api::Canary& canary, int32_t primary, int32_t canaryWeight) override;
  void setAnalysis(const api::Canary& canary, const std::string& metric, double value) override;
  void observeDuration(const api::Canary& canary, Duration elapsed) override;
  void incSuccesses(const api::Canary& canary, bool skipped) override;
  void incFailures(const api::Canary& canary) override;

  // flagger_canary_total{namespace}: set from the control loop for every namespace with canaries.
  void setCanaryTotal(const std::string& ns, double count);
  // A webhook answered not OK (an error, a timeout, a rejection, or a closed gate).
  void webhookFailed(const std::string& canary, const std::string& ns, const std::string& webhook,
                     const std::string& type);
  void notifierFailed(const std::string& provider);
  void statusConflict();
  void tickStarted(double latenessSeconds);

  // Prometheus text exposition (format 0.0.4).
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& info_;
  prometheus::Family<prometheus::Gauge>& total_;
  prometheus::Family<prometheus::Gauge>& status_;
  prometheus::Family<prometheus::Gauge>& weight_;
  prometheus::Family<prometheus::Gauge>& analysis_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& successes_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Family<prometheus::Counter>& webhookFailures_;
  prometheus::Family<prometheus::Counter>& notifierFailures_;
  prometheus::Counter& conflicts_;
  prometheus::Histogram& lateness_;
  prometheus::Counter& ticks_;
};

}  // namespace aviary::runtime
