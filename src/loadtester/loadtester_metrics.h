#pragma once
// The load tester's own Prometheus metrics (served on /metrics). Every series is declared here.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

namespace aviary::loadtester {

class LoadtesterMetrics {
 public:
  LoadtesterMetrics();

  void taskStarted(const std::string& type);
  // A finished task: ok=false counts in aviary_loadtester_tasks_failed_total.
  void taskFinished(const std::string& type, bool ok, double seconds);
  void taskSkipped(const std::string& type);                 // dedupe: same command already running
  void requestRejected(const std::string& reason);           // 400/401/403 on a task request
  void request(const std::string& endpoint, int status);

  // Prometheus text exposition format.
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& failed_;
  prometheus::Family<prometheus::Counter>& skipped_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Gauge>& running_;
  prometheus::Family<prometheus::Histogram>& duration_;
};

}  // namespace aviary::loadtester
