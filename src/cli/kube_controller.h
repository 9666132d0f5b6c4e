#pragma once
// The wiring of `aviary controller`: the Kubernetes API client, the Kubernetes platform
// (platform/kubernetes), the runtime with the real Prometheus checker, webhook caller and chat
// notifiers, and the controller's HTTP endpoints (/metrics, /healthz, the status API).
#include <memory>
#include <string>
#include <vector>

#include "cli/alerting.h"
#include "common/duration.h"
#include "common/result.h"
#include "kube/config.h"

namespace aviary::runtime {
class Runtime;
}
namespace aviary::platform::kubernetes {
class KubePlatform;
}

namespace aviary::cli {

struct KubeControllerOptions {
  std::string kubeconfig;  // -kubeconfig ("" = in-cluster, else $KUBECONFIG / ~/.kube/config)
  std::string master;      // -master: overrides the kubeconfig's server
  double qps = 100;        // -kube-api-qps (Flagger's -kubeconfig-qps)
  int burst = 250;         // -kube-api-burst
  std::string metricsServer = "http://prometheus:9090";
  std::string meshProvider = "istio";
  std::string ns;  // -namespace
  std::vector<std::string> selectorLabels{"app", "name", "app.kubernetes.io/name"};
  std::vector<std::string> includeLabelPrefix{""};
  bool configTracking = true;
  int threadiness = 2;
  std::string address = "127.0.0.1";  // -listen-address (Flagger listens on all interfaces)
  uint16_t port = 8080;
  Duration controlLoopInterval{10 * 1000};
  double timeScale = 1.0;
  Duration minInterval{10 * 1000};
  std::string eventWebhook, clusterName;
  ChatFlags chat;  // -slack-*, -msteams-*
};

// The API server to talk to, as Flagger finds it: -kubeconfig, else in-cluster, else kubectl's
// files; -master overrides the server.
Result<kube::ClusterConfig> kubeClusterConfig(const KubeControllerOptions& o);

class KubeController {
 public:
  // Connects, waits for the caches, starts the runtime and the HTTP endpoints.
  static Result<std::unique_ptr<KubeController>> start(KubeControllerOptions options);
  ~KubeController();
  // Graceful stop: no new ticks, running ones finish (up to `grace`). Idempotent.
  void stop(Duration grace);
  std::string statusUrl() const;
  runtime::Runtime& runtime();
  platform::kubernetes::KubePlatform& platform();

 private:
  struct Impl;
  explicit KubeController(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace aviary::cli
