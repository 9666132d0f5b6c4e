#include "runtime/controller_metrics.h"

#include <prometheus/text_serializer.h>

namespace aviary::runtime {
namespace {

// Go's prometheus.DefBuckets, which Flagger's duration histogram uses.
const prometheus::Histogram::BucketBoundaries kDefBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
const prometheus::Histogram::BucketBoundaries kLatenessBuckets{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

prometheus::Labels target(const api::Canary& c) {
  return {{"name", c.spec.targetRef.name}, {"namespace", c.metadata.namespace_}};
}

}  // namespace

ControllerMetrics::ControllerMetrics(const std::string& version, const std::string& meshProvider)
    : registry_(std::make_shared<prometheus::Registry>()),
      info_(prometheus::BuildGauge().Name("flagger_info").Help("Flagger version and mesh provider information").Register(*registry_)),
      total_(prometheus::BuildGauge().Name("flagger_canary_total").Help("Total number of canary object").Register(*registry_)),
      status_(prometheus::BuildGauge()
                  .Name("flagger_canary_status")
                  .Help("Last canary analysis result (0 - running, 1 - successful, 2 - failed)")
                  .Register(*registry_)),
      weight_(prometheus::BuildGauge().Name("flagger_canary_weight").Help("The virtual service destination weight current value").Register(*registry_)),
      analysis_(prometheus::BuildGauge().Name("flagger_canary_metric_analysis").Help("Last canary analysis result per metric").Register(*registry_)),
      duration_(prometheus::BuildHistogram()
                    .Name("flagger_canary_duration_seconds")
                    .Help("Seconds spent performing canary analysis.")
                    .Register(*registry_)),
      successes_(prometheus::BuildCounter().Name("flagger_canary_successes_total").Help("Total number of canary successes").Register(*registry_)),
      failures_(prometheus::BuildCounter().Name("flagger_canary_failures_total").Help("Total number of canary failures").Register(*registry_)),
      webhookFailures_(prometheus::BuildCounter()
                           .Name("aviary_webhook_failures_total")
                           .Help("Webhook calls that failed (error, timeout or rejection)")
                           .Register(*registry_)),
      notifierFailures_(prometheus::BuildCounter()
                            .Name("aviary_notifier_failures_total")
                            .Help("Alerts that could not be delivered, by provider")
                            .Register(*registry_)),
      conflicts_(prometheus::BuildCounter()
                     .Name("aviary_status_write_conflicts_total")
                     .Help("Canary status writes that met a newer version and were re-applied")
                     .Register(*registry_)
                     .Add({})),
      lateness_(prometheus::BuildHistogram()
                    .Name("aviary_tick_lateness_seconds")
                    .Help("How late each canary tick started after its due time")
                    .Register(*registry_)
                    .Add({}, kLatenessBuckets)),
      ticks_(prometheus::BuildCounter().Name("aviary_ticks_total").Help("Canary ticks run").Register(*registry_).Add({})) {
  info_.Add({{"version", version}, {"mesh_provider", meshProvider}}).Set(1);
}

void ControllerMetrics::setStatus(const api::Canary& canary, api::Phase phase) {
  const double v = phase == api::Phase::Progressing ? 0 : phase == api::Phase::Failed ? 2 : 1;
  status_.Add(target(canary)).Set(v);
}

void ControllerMetrics::setWeight(const api::Canary& canary, int32_t primary, int32_t canaryWeight) {
  const auto& t = canary.spec.targetRef.name;
  const auto& ns = canary.metadata.namespace_;
  weight_.Add({{"workload", t + "-primary"}, {"namespace", ns}}).Set(primary);
  weight_.Add({{"workload", t}, {"namespace", ns}}).Set(canaryWeight);
}

void ControllerMetrics::setAnalysis(const api::Canary& canary, const std::string& metric, double value) {
  auto labels = target(canary);
  labels["metric"] = metric;
  analysis_.Add(labels).Set(value);
}

void ControllerMetrics::observeDuration(const api::Canary& canary, Duration elapsed) {
  duration_.Add(target(canary), kDefBuckets).Observe(std::chrono::duration<double>(elapsed).count());
}

void ControllerMetrics::incSuccesses(const api::Canary& canary, bool skipped) {
  auto labels = target(canary);
  labels["deployment_strategy"] = controller::deploymentStrategy(canary);
  labels["analysis_status"] = skipped ? "skipped" : "completed";
  successes_.Add(labels).Increment();
}

void ControllerMetrics::incFailures(const api::Canary& canary) {
  auto labels = target(canary);
  labels["deployment_strategy"] = controller::deploymentStrategy(canary);
  labels["analysis_status"] = "completed";
  failures_.Add(labels).Increment();
}

void ControllerMetrics::setCanaryTotal(const std::string& ns, double count) { total_.Add({{"namespace", ns}}).Set(count); }

void ControllerMetrics::webhookFailed(const std::string& canary, const std::string& ns, const std::string& webhook,
                                      const std::string& type) {
  webhookFailures_.Add({{"name", canary}, {"namespace", ns}, {"webhook", webhook}, {"type", type}}).Increment();
}

void ControllerMetrics::notifierFailed(const std::string& provider) { notifierFailures_.Add({{"provider", provider}}).Increment(); }

void ControllerMetrics::statusConflict() { conflicts_.Increment(); }

void ControllerMetrics::tickStarted(double latenessSeconds) {
  ticks_.Increment();
  lateness_.Observe(latenessSeconds);
}

std::string ControllerMetrics::serialize() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace aviary::runtime
