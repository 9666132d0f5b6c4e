#include "cli/engine_wiring.h"

#include "runtime/live_config.h"

namespace aviary::cli {

Result<std::unique_ptr<EngineWiring>> wireEngine(platform::Platform& platform, metrics::SecretSourcePtr secrets,
                                                 controller::HistoryStore* history, const Clock& clock,
                                                 const EngineWiringOptions& o) {
  auto w = std::make_unique<EngineWiring>();
  w->metrics = std::make_unique<runtime::ControllerMetrics>("0.1.0", o.meshProvider);
  w->values = std::make_unique<runtime::LastValues>(clock, w->metrics.get());
  metrics::PrometheusCheckerOptions co;
  co.defaultAddress = o.metricsServer;
  if (o.metricsServerOverrides) co.overrideAddress = o.metricsServer;
  co.meshProvider = o.meshProvider;
  // Templates and secrets are looked up live, so that an edited MetricTemplate applies at the
  // next tick without a restart.
  w->checker = std::make_unique<metrics::PrometheusChecker>(
      std::make_shared<runtime::StoreTemplateSource>(platform.store()), secrets, co);
  w->http = std::make_unique<webhooks::HttpWebhookCaller>();
  if (o.webhookProxy) w->http->setProxyResolver(o.webhookProxy);
  w->hooks = std::make_unique<runtime::CountingCaller>(*w->http, *w->metrics);
  auto global = globalNotifier(o.chat);
  if (!global) return global.error();
  w->global = std::move(*global);
  w->alerts = makeAlertRouter(*w->global, platform.store(), secrets, o.clusterName, *w->metrics);

  runtime::RuntimeOptions ro;
  ro.threadiness = o.threadiness;
  ro.engine.meshProvider = o.meshProvider;
  ro.engine.eventWebhook = o.eventWebhook;
  ro.timeScale = o.timeScale;
  ro.minInterval = o.minInterval;
  ro.controlLoopInterval = o.controlLoopInterval;
  runtime::RuntimeDeps rd;
  rd.platform = &platform;
  rd.checker = w->checker.get();
  rd.webhooks = w->hooks.get();
  rd.alerts = w->alerts.get();
  rd.clock = &clock;
  rd.metrics = w->metrics.get();
  rd.recorder = w->values.get();
  rd.history = history;
  w->runtime = std::make_unique<runtime::Runtime>(rd, ro);
  return w;
}

}  // namespace aviary::cli
