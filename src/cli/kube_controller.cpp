#include "cli/kube_controller.h"

#include "cli/alerting.h"

#include <fmt/format.h>

#include "common/log.h"
#include "controller/alerts.h"
#include "kube/client.h"
#include "router/istio/istio_router.h"
#include "metrics/prometheus_checker.h"
#include "platform/kubernetes/kube_history.h"
#include "platform/kubernetes/kube_platform.h"
#include "runtime/controller_metrics.h"
#include "runtime/counting_caller.h"
#include "runtime/last_values.h"
#include "runtime/live_config.h"
#include "runtime/runtime.h"
#include "runtime/status_server.h"
#include "webhooks/http_caller.h"

namespace aviary::cli {

struct KubeController::Impl {
  KubeControllerOptions options;
  SystemClock clock;
  std::unique_ptr<kube::Client> client;
  std::unique_ptr<platform::kubernetes::KubePlatform> platform;
  std::unique_ptr<runtime::ControllerMetrics> metrics;
  std::unique_ptr<runtime::LastValues> values;
  std::unique_ptr<metrics::PrometheusChecker> checker;
  std::unique_ptr<webhooks::HttpWebhookCaller> http;
  std::unique_ptr<runtime::CountingCaller> hooks;
  std::unique_ptr<notifier::Notifier> global;
  std::unique_ptr<controller::AlertRouter> alerts;
  std::unique_ptr<platform::kubernetes::KubeHistoryStore> history;
  std::unique_ptr<runtime::Runtime> runtime;
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

  impl->metrics = std::make_unique<runtime::ControllerMetrics>("0.1.0", o.meshProvider);
  impl->values = std::make_unique<runtime::LastValues>(impl->clock, impl->metrics.get());
  metrics::PrometheusCheckerOptions mo;
  mo.defaultAddress = o.metricsServer;
  mo.meshProvider = o.meshProvider;
  auto secrets = impl->platform->secrets();
  impl->checker = std::make_unique<metrics::PrometheusChecker>(
      std::make_shared<runtime::StoreTemplateSource>(impl->platform->store()), secrets, mo);
  impl->http = std::make_unique<webhooks::HttpWebhookCaller>();
  impl->hooks = std::make_unique<runtime::CountingCaller>(*impl->http, *impl->metrics);
  auto global = globalNotifier(o.chat);
  if (!global) return global.error();
  impl->global = std::move(*global);
  impl->alerts = makeAlertRouter(*impl->global, impl->platform->store(), secrets, o.clusterName, *impl->metrics);

  runtime::RuntimeOptions ro;
  ro.threadiness = o.threadiness;
  ro.engine.meshProvider = o.meshProvider;
  ro.engine.eventWebhook = o.eventWebhook;
  ro.timeScale = o.timeScale;
  ro.minInterval = o.minInterval;
  ro.controlLoopInterval = o.controlLoopInterval;
  runtime::RuntimeDeps rd;
  rd.platform = impl->platform.get();
  rd.checker = impl->checker.get();
  rd.webhooks = impl->hooks.get();
  rd.alerts = impl->alerts.get();
  rd.clock = &impl->clock;
  rd.metrics = impl->metrics.get();
  rd.recorder = impl->values.get();
  impl->history = std::make_unique<platform::kubernetes::KubeHistoryStore>(*impl->client);
  rd.history = impl->history.get();
  impl->runtime = std::make_unique<runtime::Runtime>(rd, ro);
  impl->runtime->start();

  runtime::StatusServerDeps sd;
  sd.runtime = impl->runtime.get();
  sd.store = &impl->platform->store();
  sd.metrics = impl->metrics.get();
  sd.values = impl->values.get();
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
  impl_->runtime->stop(grace);
  if (impl_->server) impl_->server->stop();
  impl_->platform->stop();
}

std::string KubeController::statusUrl() const {
  return impl_->server ? impl_->server->url() : "";
}
runtime::Runtime& KubeController::runtime() {
  return *impl_->runtime;
}
platform::kubernetes::KubePlatform& KubeController::platform() {
  return *impl_->platform;
}

}  // namespace aviary::cli
