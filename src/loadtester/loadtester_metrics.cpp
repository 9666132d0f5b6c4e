#include "loadtester/loadtester_metrics.h"

#include <prometheus/text_serializer.h>

namespace aviary::loadtester {

LoadtesterMetrics::LoadtesterMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      started_(prometheus::BuildCounter()
                   .Name("aviary_loadtester_tasks_started_total")
                   .Help("Commands started, by task type")
                   .Register(*registry_)),
      failed_(prometheus::BuildCounter()
                  .Name("aviary_loadtester_tasks_failed_total")
                  .Help("Commands that exited non-zero, timed out or could not start, by task type")
                  .Register(*registry_)),
      skipped_(prometheus::BuildCounter()
                   .Name("aviary_loadtester_tasks_skipped_total")
                   .Help("Background commands not started because the same command was still running")
                   .Register(*registry_)),
      rejected_(prometheus::BuildCounter()
                    .Name("aviary_loadtester_requests_rejected_total")
                    .Help("Task and gate requests refused, by reason")
                    .Register(*registry_)),
      requests_(prometheus::BuildCounter()
                    .Name("aviary_loadtester_http_requests_total")
                    .Help("HTTP requests served, by endpoint and status code")
                    .Register(*registry_)),
      running_(prometheus::BuildGauge()
                   .Name("aviary_loadtester_tasks_running")
                   .Help("Commands running now, by task type")
                   .Register(*registry_)),
      duration_(prometheus::BuildHistogram()
                    .Name("aviary_loadtester_task_duration_seconds")
                    .Help("Wall time of finished commands, by task type")
                    .Register(*registry_)) {}

void LoadtesterMetrics::taskStarted(const std::string& type) {
  started_.Add({{"type", type}}).Increment();
  running_.Add({{"type", type}}).Increment();
}

void LoadtesterMetrics::taskFinished(const std::string& type, bool ok, double seconds) {
  running_.Add({{"type", type}}).Decrement();
  if (!ok) failed_.Add({{"type", type}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets{0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600};
  duration_.Add({{"type", type}}, kBuckets).Observe(seconds);
}

void LoadtesterMetrics::taskSkipped(const std::string& type) { skipped_.Add({{"type", type}}).Increment(); }

void LoadtesterMetrics::requestRejected(const std::string& reason) { rejected_.Add({{"reason", reason}}).Increment(); }

void LoadtesterMetrics::request(const std::string& endpoint, int status) {
  requests_.Add({{"endpoint", endpoint}, {"code", std::to_string(status)}}).Increment();
}

std::string LoadtesterMetrics::serialize() const { return prometheus::TextSerializer().Serialize(registry_->Collect()); }

}  // namespace aviary::loadtester
