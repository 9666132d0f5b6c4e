#include "cli/local_controller.h"

#include <chrono>
#include <thread>

#include "cli/engine_wiring.h"
#include "cli/kube_cli.h"

#include <fmt/format.h>

#include "common/log.h"
#include "controller/gofmt.h"
#include "metrics/secret_source.h"
#include "metrics/prometheus_client.h"
#include "platform/local/autoscaler.h"
#include "platform/local/local_history.h"
#include "platform/local/local_platform.h"
#include "platform/local/manifest_dir.h"
#include "runtime/status_server.h"
#include "tsdb/metrics_server.h"

namespace aviary::cli {

using platform::local::LocalPlatform;

namespace {
constexpr const char* kProxyJob = "aviary-proxy";
std::string proxyStatsUrl(const platform::local::Mesh& mesh) {
  return fmt::format("http://127.0.0.1:{}/stats/prometheus", mesh.adminPort());
}

// The local platform's read-only endpoints on the status API (docs/autoscaling.md):
//   GET /api/v1/horizontalpodautoscalers  the HPAs with their last reconcile (kubectl get hpa)
//   GET /api/v1/replicasets               every replica set: desired, ready, revision
std::optional<http::ServerResponse> autoscalerEndpoints(LocalPlatform& platform,
                                                        platform::local::LocalAutoscaler& autoscaler,
                                                        const http::ServerRequest& req) {
  using nlohmann::json;
  if (req.method != "GET") return std::nullopt;
  json items = json::array();
  if (req.path == "/api/v1/horizontalpodautoscalers") {
    for (const auto& s : autoscaler.status()) {
      json metrics = json::array();
      for (const auto& m : s.metrics) {
        json j{{"name", m.name}, {"target", m.target}};
        if (m.value) j["value"] = *m.value;
        if (!m.error.empty()) j["error"] = m.error;
        metrics.push_back(std::move(j));
      }
      json st{{"currentReplicas", s.currentReplicas}, {"desiredReplicas", s.desiredReplicas},
              {"currentMetrics", metrics},            {"reason", s.reason},
              {"message", s.message}};
      if (s.lastScaleTime) st["lastScaleTime"] = controller::rfc3339(*s.lastScaleTime);
      items.push_back({{"metadata", {{"name", s.name}, {"namespace", s.namespace_}}},
                       {"spec",
                        {{"scaleTargetRef", {{"name", s.target}}},
                         {"minReplicas", s.minReplicas},
                         {"maxReplicas", s.maxReplicas}}},
                       {"status", st}});
    }
  } else if (req.path == "/api/v1/replicasets") {
    for (const auto& key : platform.supervisor().sets()) {
      const auto st = platform.supervisor().status(key);
      const auto slash = key.find('/');
      items.push_back({{"namespace", key.substr(0, slash)},
                       {"name", key.substr(slash + 1)},
                       {"desired", st.desired},
                       {"replicas", st.replicas},
                       {"ready", st.ready},
                       {"available", st.available},
                       {"revision", st.revision}});
    }
  } else {
    return std::nullopt;
  }
  http::ServerResponse r;
  r.contentType = "application/json";
  r.body = json{{"kind", "List"}, {"items", items}}.dump();
  return r;
}

}  // namespace

struct LocalController::Impl {
  LocalControllerOptions options;
  SystemClock clock;
  std::unique_ptr<LocalPlatform> platform;
  std::unique_ptr<platform::local::ManifestDir> manifests;
  std::unique_ptr<platform::local::FileHistoryStore> history;
  std::unique_ptr<tsdb::MetricsServer> embedded;
  std::unique_ptr<EngineWiring> engine;  // the runtime and what it calls
  std::unique_ptr<runtime::StatusServer> server;
  std::unique_ptr<platform::local::LocalAutoscaler> autoscaler;
  std::string metricsUrl;
  bool stopped = false;

  void say(const std::string& line) const {
    if (options.print) options.print(line);
  }
};

LocalController::LocalController(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LocalController::~LocalController() { stop(Duration(30 * 1000)); }

Result<std::unique_ptr<LocalController>> LocalController::start(LocalControllerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  auto& o = impl->options;
  platform::local::LocalOptions lo;
  lo.stateDir = o.stateDir;
  lo.clock = &impl->clock;
  lo.meshPort = o.meshPort;
  auto p = LocalPlatform::start(lo);
  if (!p) return p.error();
  impl->platform = std::move(*p);
  metrics::SecretSourcePtr secrets;
  if (!o.secretsDir.empty()) {
    secrets = std::make_shared<metrics::DirectorySecretSource>(o.secretsDir);
  } else {
    secrets = std::make_shared<metrics::EnvSecretSource>();
  }
  impl->platform->setSecrets(secrets);
  auto* raw = impl.get();
  impl->platform->setEventPrinter([raw](const api::Canary& c, const controller::Event& e) {
    raw->say(fmt::format("{:<7}  {}.{}  {}", controller::toString(e.type), c.metadata.name, c.metadata.namespace_,
                         e.message));
  });

  impl->metricsUrl = o.metricsServer;
  if (impl->metricsUrl.empty()) {
    // No Prometheus given: the embedded metrics server scrapes the mesh's Istio telemetry and
    // answers the analysis's PromQL through Prometheus's API (docs/metrics-server.md).
    tsdb::ServerOptions so;
    so.listen = fmt::format("{}:{}", o.address, o.metricsPort);
    so.scrapeInterval = o.scrapeInterval;
    const auto& mesh = impl->platform->mesh();
    auto srv = tsdb::MetricsServer::start(so, {{proxyStatsUrl(mesh), kProxyJob}});
    if (!srv) return srv.error();
    impl->embedded = std::move(*srv);
    impl->metricsUrl = impl->embedded->url();
  }
  EngineWiringOptions eo;
  eo.meshProvider = o.meshProvider;
  eo.eventWebhook = o.eventWebhook;
  eo.clusterName = o.clusterName;
  eo.chat.slackUrl = o.slackUrl;
  eo.chat.slackChannel = o.slackChannel;
  eo.chat.slackUser = o.slackUser;
  eo.chat.slackToken = o.slackToken;
  eo.chat.msteamsUrl = o.msteamsUrl;
  eo.threadiness = o.threadiness;
  eo.timeScale = o.timeScale;
  eo.minInterval = o.minInterval;
  // Manifests written for a cluster name Prometheus by its in-cluster address: on one machine
  // every query goes to the metrics server given here.
  eo.metricsServer = impl->metricsUrl;
  eo.metricsServerOverrides = true;
  // Webhook URLs name services as in a cluster (http://flagger-loadtester.test/): hosts the mesh
  // serves go through it, others direct.
  eo.webhookProxy = [raw](const std::string& url) { return raw->platform->mesh().proxyFor(url); };
  impl->history = std::make_unique<platform::local::FileHistoryStore>(o.stateDir);
  auto engine = wireEngine(*impl->platform, secrets, impl->history.get(), impl->clock, eo);
  if (!engine) return engine.error();
  impl->engine = std::move(*engine);

  // The HPAs' controller reads the same metrics as the analysis.
  metrics::PrometheusOptions po;
  po.address = impl->metricsUrl;
  auto prom = metrics::PrometheusClient::create(po);
  if (!prom) return prom.error();
  platform::local::AutoscalerOptions ao;
  auto scaled = [&](Duration d, Duration floor) {
    return std::max(floor, Duration(static_cast<int64_t>(static_cast<double>(d.count()) * o.timeScale)));
  };
  ao.syncPeriod = scaled(o.hpaSyncPeriod, Duration(1000));
  ao.rateWindow = fmt::format("{}ms", scaled(o.hpaRateWindow, std::max(Duration(2000), 3 * o.scrapeInterval)).count());
  ao.algorithm.downscaleStabilization =
      std::chrono::duration_cast<std::chrono::seconds>(scaled(Duration(300000), Duration(1000)));
  ao.print = [raw](const std::string& line) { raw->say(line); };
  impl->autoscaler = std::make_unique<platform::local::LocalAutoscaler>(
      *impl->platform, [client = *prom](const std::string& q) { return client.query(q); }, ao);

  // The status API's port first: when it is taken, nothing has been started yet (/readyz answers
  // 503 until the runtime runs).
  runtime::StatusServerDeps sd;
  sd.runtime = impl->engine->runtime.get();
  sd.store = &impl->platform->memoryStore();
  sd.metrics = impl->engine->metrics.get();
  sd.events = &impl->platform->eventLog();
  sd.values = impl->engine->values.get();
  sd.extra = [raw](const http::ServerRequest& req) { return autoscalerEndpoints(*raw->platform, *raw->autoscaler, req); };
  sd.history = impl->history.get();
  sd.actions = true;
  auto token = readAdminToken(o.adminTokenFile);
  if (!token) return token.error();
  if (!o.adminTokenFile.empty() && token->empty()) {
    return makeError(ErrorCode::Invalid, o.adminTokenFile + ": the admin token is empty");
  }
  sd.adminToken = std::move(*token);
  auto srv = runtime::StatusServer::start(o.address, o.port, sd);
  if (!srv) return srv.error();
  impl->server = std::move(*srv);
  if (impl->embedded) {
    // The controller's own metrics (flagger_canary_*, aviary_*) go to the embedded store as well,
    // so that the controller's Grafana dashboard (deploy/grafana) works with no Prometheus.
    impl->embedded->setTargets({{proxyStatsUrl(impl->platform->mesh()), kProxyJob},
                                {impl->server->url() + "/metrics", "aviary-controller"}});
  }

  // The files first (workloads start, canaries are stored), then the runtime picks them up.
  impl->manifests = std::make_unique<platform::local::ManifestDir>(o.dir, *impl->platform);
  std::unique_ptr<LocalController> lc(new LocalController(std::move(impl)));
  lc->poll();
  lc->awaitMetricsHistory();
  lc->impl_->engine->runtime->start();
  lc->impl_->autoscaler->start();
  auto& mesh = lc->impl_->platform->mesh();
  lc->impl_->say(fmt::format("aviary run: {} — status API and /metrics on {}, mesh (http_proxy) on {}, proxy stats on "
                             "http://127.0.0.1:{}/stats/prometheus, metrics (Prometheus API) on {}{}, state in {}",
                             lc->impl_->options.dir, lc->statusUrl(), mesh.proxyUrl(), mesh.adminPort(),
                             lc->impl_->metricsUrl, lc->impl_->embedded ? " (embedded)" : "",
                             lc->impl_->options.stateDir));
  for (const auto& s : mesh.services()) {
    lc->impl_->say(fmt::format("service {}.{}:{} on 127.0.0.1:{}", s.name, s.namespace_, s.port, s.directPort));
  }
  return lc;
}

void LocalController::poll() {
  auto r = impl_->manifests->sync();
  for (const auto& e : r.errors) impl_->say("error: " + e);
  for (const auto& w : r.warnings) impl_->say("warning: " + w);
  for (const auto& a : r.applied) impl_->say("applied " + a);
}

void LocalController::awaitMetricsHistory() {
  // The embedded metrics server keeps its samples in memory, and the mesh's counters start at
  // zero with the process: after a restart (SIGKILL, crash) the store is empty. A canary resumed
  // mid-analysis would tick at once, find "no values" and count a failed check for each restart,
  // so that enough restarts roll back a healthy release. The analysis therefore starts once the
  // store holds three scrapes — rate() needs two samples of a series, and the first scrape may
  // come before the clients have reconnected — bounded by four scrape intervals. Not on a fresh
  // start, nor with a Prometheus of its own (--metrics-server), which kept its history.
  if (!impl_->embedded) return;
  bool resumed = false;
  for (const auto& c : impl_->platform->memoryStore().listCanaries()) {
    const auto ph = c->status.phase;
    resumed = resumed || ph == api::Phase::Progressing || ph == api::Phase::Waiting ||
              ph == api::Phase::WaitingPromotion || ph == api::Phase::Promoting || ph == api::Phase::Finalising;
  }
  if (!resumed) return;
  const auto deadline = std::chrono::steady_clock::now() + 4 * impl_->options.scrapeInterval;
  int scrapes = 0;
  promql::Millis last = 0;
  while (scrapes < 3 && std::chrono::steady_clock::now() < deadline) {
    for (const auto& h : impl_->embedded->targetHealth()) {
      if (h.target.job == kProxyJob && h.lastScrape != 0 && h.lastScrape != last && h.up) {
        last = h.lastScrape;
        ++scrapes;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a bounded wait at start-up only
  }
  impl_->say(fmt::format("resuming the analysis with {} scrape(s) of metrics history", scrapes));
}

void LocalController::run(const std::function<bool()>& stop) {
  while (!stop()) poll();
}

void LocalController::stop(Duration grace) {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  impl_->autoscaler->stop();
  impl_->engine->runtime->stop(grace);
  if (impl_->server) impl_->server->stop();
  if (impl_->embedded) impl_->embedded->stop();
  impl_->platform->shutdown(impl_->options.detachOnExit ? platform::local::ShutdownMode::Detach
                                                        : platform::local::ShutdownMode::StopAll);
}

platform::local::LocalPlatform& LocalController::platform() { return *impl_->platform; }
platform::local::LocalAutoscaler& LocalController::autoscaler() { return *impl_->autoscaler; }
runtime::Runtime& LocalController::runtime() { return *impl_->engine->runtime; }
std::string LocalController::statusUrl() const { return impl_->server ? impl_->server->url() : ""; }
std::string LocalController::metricsUrl() const { return impl_->metricsUrl; }

std::map<std::string, double> LocalController::lastValues(const std::string& ns, const std::string& name) const {
  std::map<std::string, double> out;
  for (const auto& [metric, v] : impl_->engine->values->of(ns, name)) out[metric] = v.value;
  return out;
}

}  // namespace aviary::cli
