#pragma once
// The wiring of `aviary run` and `aviary demo`: the local platform (processes, mesh, state
// directory), the manifests of one directory, the runtime with the real Prometheus checker,
// webhook caller and chat notifiers, and the controller's HTTP endpoints. Only cli/ wires
// implementations together; this is that wiring, shared by the two commands.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/duration.h"
#include "common/result.h"

namespace aviary::platform::local {
class LocalPlatform;
class LocalAutoscaler;
}
namespace aviary::runtime {
class Runtime;
}

namespace aviary::cli {

struct LocalControllerOptions {
  std::string dir;                       // the manifests
  std::string stateDir = ".aviary";      // --state-dir
  std::string address = "127.0.0.1";    // status API, /metrics, /healthz
  uint16_t port = 8080;                  // Flagger's -port
  uint16_t meshPort = 0;                 // 0: persisted, else free
  std::string metricsServer;             // Prometheus URL; "" = the embedded metrics server
  uint16_t metricsPort = 0;              // the embedded metrics server's port (0 = any free one)
  Duration scrapeInterval{5000};         // the embedded metrics server's scrape interval
  std::string meshProvider = "istio";
  int threadiness = 2;
  double timeScale = 1.0;
  Duration minInterval{10 * 1000};
  Duration pollInterval{1000};           // how often DIR is looked at
  std::string secretsDir;                // MetricTemplate/AlertProvider secrets (else AVIARY_SECRET_*)
  std::string eventWebhook, slackUrl, slackChannel, slackUser = "flagger", slackToken, msteamsUrl, clusterName;
  // The admin token the status API's actions (POST …/actions) require: the first line of this
  // file, else $AVIARY_ADMIN_TOKEN; none → actions are open to whoever reaches the address.
  std::string adminTokenFile;
  bool detachOnExit = false;             // leave the replicas running on exit (for adoption)
  // HorizontalPodAutoscalers (docs/autoscaling.md): Kubernetes' sync period and the rate()
  // window of request-rate metrics, both scaled by timeScale (at least 1 s and 3 scrapes).
  Duration hpaSyncPeriod{15000};
  Duration hpaRateWindow{60000};
  // Called with every line the controller prints (events, file errors, start-up summary).
  std::function<void(const std::string&)> print;
};

class LocalController {
 public:
  static Result<std::unique_ptr<LocalController>> start(LocalControllerOptions options);
  ~LocalController();

  // Re-reads the directory (called every pollInterval by run()).
  void poll();
  // Polls the directory until `stop` returns true. `stop` is expected to wait (up to the poll
  // interval) for its reason to stop, e.g. sigtimedwait on SIGINT/SIGTERM.
  void run(const std::function<bool()>& stop);
  // Graceful stop: no new ticks, running ones finish (up to `grace`), replicas stopped (or
  // detached). Idempotent.
  void stop(Duration grace);

  platform::local::LocalPlatform& platform();
  platform::local::LocalAutoscaler& autoscaler();
  runtime::Runtime& runtime();
  std::string statusUrl() const;
  // The last value of each metric of canary ns/name (the analysis's, before its threshold check).
  std::map<std::string, double> lastValues(const std::string& ns, const std::string& name) const;
  std::string metricsUrl() const;  // the Prometheus-compatible API the analysis queries

 private:
  // After a restart with the embedded metrics server, waits (bounded) until it holds enough samples
  // for rate(), before the resumed canaries tick (see the .cpp).
  void awaitMetricsHistory();
  struct Impl;
  explicit LocalController(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aviary::cli
