#pragma once
// The local platform's HorizontalPodAutoscaler controller (docs/autoscaling.md): every sync
// period, for each HPA of the platform (the user's and the primaries' clones), it reads the
// metrics of the replica set `scaleTargetRef.name` of the HPA's namespace, asks the Kubernetes
// algorithm (autoscaling/hpa_algorithm.h) for a replica count and scales the set to it, keeping
// its spec (Supervisor::scale, compare-and-set against the count it read, so that a concurrent
// scale by the canary's engine — to zero after a promotion — wins).
//
// Metrics, read through `query` (PromQL against the embedded metrics server or --metrics-server):
//   Pods   istio_requests_total | istio_requests | istio_requests_per_second (the names a
//          Prometheus adapter gives the Istio request counter): the set's request rate per
//          replica, sum(rate(istio_requests_total{reporter="destination",
//          destination_workload_namespace="N",destination_workload="SET"}[W])) / replicas
//   Object the same metric names with describedObject kind Service X: requests to service X
//          (and X-primary, X-canary: a canary's apex routes to those), not divided; kind
//          Workload/Deployment X: requests to workload X
//   Resource cpu: CPU time of the replica processes from /proc, Utilization in percent of one
//          core (local workloads declare no requests), AverageValue in cores ("250m")
// No requests at all (an empty query answer) reads as 0 requests per second. Any other metric is
// "unreadable" (the algorithm then never scales down on the others' word).
//
// Thread-safe; reconcileAll() is what the background thread calls each period (tests call it).
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/hpa.h"
#include "autoscaling/hpa_algorithm.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/result.h"

namespace aviary::platform::local {

class LocalPlatform;

struct AutoscalerOptions {
  Duration syncPeriod{15000};     // Kubernetes' --horizontal-pod-autoscaler-sync-period
  std::string rateWindow = "1m";  // the range of rate() in request-rate queries
  autoscaling::HpaAlgorithm::Options algorithm;
  // Called with a line like Kubernetes' SuccessfulRescale event each time a set is rescaled:
  // "HorizontalPodAutoscaler test/podinfo-total: New size: 4; reason: …".
  std::function<void(const std::string&)> print;
};

// What `aviary status` and the demo show of one HPA (like `kubectl get hpa`).
struct AutoscalerStatus {
  std::string namespace_, name, target;
  int32_t minReplicas = 0, maxReplicas = 0;
  int32_t currentReplicas = 0, desiredReplicas = 0;
  struct Metric {
    std::string name;
    std::optional<double> value;  // as compared with the target (per pod for Pods)
    double target = 0;
    std::string error;  // why it could not be read
  };
  std::vector<Metric> metrics;
  std::string reason, message;  // the algorithm's last reason (e.g. ScaleDownStabilized)
  std::optional<Clock::TimePoint> lastScaleTime;
};

class LocalAutoscaler {
 public:
  // Runs an instant PromQL query; NoValues for an empty answer.
  using Query = std::function<Result<double>(const std::string& promql)>;

  LocalAutoscaler(LocalPlatform& platform, Query query, AutoscalerOptions options);
  ~LocalAutoscaler();

  void start();  // the background thread: reconcileAll() every syncPeriod
  void stop();   // idempotent
  void reconcileAll();
  std::vector<AutoscalerStatus> status() const;

  // The query a Pods/Object request-rate metric maps to, or an Error naming the metric names
  // understood. `set` is the HPA's scale target.
  static Result<std::string> requestRateQuery(const api::HpaMetric& metric, const std::string& ns,
                                              const std::string& set, const std::string& window);

 private:
  struct State {
    std::unique_ptr<autoscaling::HpaAlgorithm> algorithm;
    std::map<int, std::pair<double, Clock::SteadyPoint>> cpu;  // pid → (CPU seconds, when read)
    AutoscalerStatus status;
  };
  void reconcile(const api::HorizontalPodAutoscaler& hpa, State& state);
  std::optional<double> readCpu(State& state, const std::vector<int>& pids, bool utilization, std::string& error);

  LocalPlatform& platform_;
  Query query_;
  AutoscalerOptions options_;
  mutable std::mutex mu_;                // guards states_ and the status inside
  std::map<std::string, State> states_;  // "ns/name"
  std::mutex runMu_;                     // one reconcileAll at a time
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace aviary::platform::local
