#include "cli/kube_controller.h"

#include "cli/engine_wiring.h"

#include <fmt/format.h>

#include "common/log.h"
#include "kube/client.h"
#include "router/istio/istio_router.h"
#include "platform/kubernetes/kube_history.h"
#include "platform/kubernetes/kube_platform.h"
#include "runtime/status_server.h"

namespace aviary::cli {

struct KubeController::Impl {
  KubeControllerOptions options;
  SystemClock clock;
  std::unique_ptr<kube::Client> client;
  std::unique_ptr<platform::kubernetes::KubePlatform> platform;
  std::unique_ptr<platform::kubernetes::KubeHistoryStore> history;
  std::unique_ptr<EngineWiring> engine;  // the runtime and what it calls
  std::unique_ptr<runtime::StatusServer> server;
  bool stopped = false;
};

Result<kube::ClusterConfig> kubeClusterConfig(const KubeControllerOptions& o) {
  Result<kube::ClusterConfig> cfg = makeError(ErrorCode::NotFound, "no cluster configuration");
  if (!o.kubeconfig.empty()) {
    cfg = kube::loadKubeconfig({o.kubeconfig});
  } else {
    // Flagger: in-cluster when -kubeconfig is not given; outside a pod, kubectl's files.
    cfg = kube::inClusterConfig();
    if (!cfg) cfg = kube::loadKubeconfig(kube::defaultKubeconfigFiles());
  }
  if (!cfg) return cfg.error();
  if (!o.master.empty()) cfg->server = o.master;
  return cfg;
}

KubeController::KubeController(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KubeController::~KubeController() {
  stop(Duration(30 * 1000));
}

Result<std::unique_ptr<KubeController>> KubeController::start(KubeControllerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  auto& o = impl->options;
  auto cfg = kubeClusterConfig(o);
  if (!cfg) return cfg.error();
  kube::ClientOptions co;
  co.qps = o.qps;
  co.burst = o.burst;
  co.userAgent = "aviary-controller";
  impl->client = std::make_unique<kube::Client>(*cfg, co);

  platform::kubernetes::KubePlatformOptions po;
  po.ns = o.ns;
  po.selectorLabels = o.selectorLabels;
  po.includeLabelPrefix = o.includeLabelPrefix;
  po.configTracking = o.configTracking;
  po.clock = &impl->clock;
  // Istio (VirtualService + DestinationRules, docs/istio.md) for `istio`; the platform itself
  // handles `kubernetes`; any other provider is refused per canary with a Warning event.
  kube::Client* istioClient = impl->client.get();
  po.meshRouter = [istioClient](const api::Canary& canary,
                                const std::string& provider) -> Result<std::unique_ptr<router::Router>> {
    if (provider == "istio") return router::istio::makeIstioRouter(*istioClient, canary);
    return std::unique_ptr<router::Router>();
  };
  // Flagger logs every event with the canary's key; so do we (the Events go to the API server).
  po.printEvent = [](const api::Canary& c, const controller::Event& e) {
    if (e.type == controller::EventType::Warning) {
      spdlog::warn("{} canary={}", e.message, c.key());
    } else {
      spdlog::info("{} canary={}", e.message, c.key());
    }
  };
  auto p = platform::kubernetes::KubePlatform::start(*impl->client, po);
  if (!p) return p.error();
  impl->platform = std::move(*p);

  EngineWiringOptions eo;
  eo.meshProvider = o.meshProvider;
  eo.eventWebhook = o.eventWebhook;
  eo.clusterName = o.clusterName;
  eo.chat = o.chat;
  eo.threadiness = o.threadiness;
  eo.timeScale = o.timeScale;
  eo.minInterval = o.minInterval;
  eo.controlLoopInterval = o.controlLoopInterval;
  eo.metricsServer = o.metricsServer;
  impl->history = std::make_unique<platform::kubernetes::KubeHistoryStore>(*impl->client);
  auto engine = wireEngine(*impl->platform, impl->platform->secrets(), impl->history.get(), impl->clock, eo);
  if (!engine) return engine.error();
  impl->engine = std::move(*engine);
  impl->engine->runtime->start();

  runtime::StatusServerDeps sd;
  sd.runtime = impl->engine->runtime.get();
  sd.store = &impl->platform->store();
  sd.metrics = impl->engine->metrics.get();
  sd.values = impl->engine->values.get();
  sd.history = impl->history.get();
  // Manual actions go through the API server (the annotation aviary.dev/action, RBAC-checked and
  // audited there), never through this endpoint, which may listen beyond loopback for scrapes.
  // The API requests this controller has sent: a steady state adds no reads or writes (every
  // tick reads the watch-backed caches), only the watches' reconnections.
  kube::Client* client = impl->client.get();
  sd.extraMetrics = [client] {
    const auto c = client->requests();
    return fmt::format(
        "# HELP aviary_kube_requests_total Requests sent to the Kubernetes API server.\n"
        "# TYPE aviary_kube_requests_total counter\n"
        "aviary_kube_requests_total{{kind=\"read\"}} {}\naviary_kube_requests_total{{kind=\"write\"}} {}\n"
        "aviary_kube_requests_total{{kind=\"watch\"}} {}\n",
        c.reads, c.writes, c.watches);
  };
  auto srv = runtime::StatusServer::start(o.address, o.port, sd);
  if (!srv) return srv.error();
  impl->server = std::move(*srv);
  return std::unique_ptr<KubeController>(new KubeController(std::move(impl)));
}

void KubeController::stop(Duration grace) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->engine->runtime->stop(grace);
  if (impl_->server) impl_->server->stop();
  impl_->platform->stop();
}

std::string KubeController::statusUrl() const {
  return impl_->server ? impl_->server->url() : "";
}
runtime::Runtime& KubeController::runtime() {
  return *impl_->engine->runtime;
}
platform::kubernetes::KubePlatform& KubeController::platform() {
  return *impl_->platform;
}

}  // namespace aviary::cli
