#pragma once
// What every controller wires the same way whatever its platform — `aviary controller` on
// Kubernetes and `aviary run` on this host: the controller's metrics and last metric values, the
// Prometheus checker over the platform's MetricTemplates and secrets, webhooks (counted), the
// global notifier and alert routing, and the runtime itself. What differs (the platform, where
// history is kept, the status server's endpoints) stays with the caller.
#include <functional>
#include <memory>
#include <string>

#include "cli/alerting.h"
#include "common/clock.h"
#include "common/result.h"
#include "controller/history.h"
#include "metrics/prometheus_checker.h"
#include "metrics/secret_source.h"
#include "platform/platform.h"
#include "runtime/controller_metrics.h"
#include "runtime/counting_caller.h"
#include "runtime/last_values.h"
#include "runtime/runtime.h"
#include "webhooks/http_caller.h"

namespace aviary::cli {

struct EngineWiringOptions {
  std::string meshProvider = "istio";  // -mesh-provider
  std::string eventWebhook;            // -event-webhook
  std::string clusterName;             // -cluster-name, in alerts
  ChatFlags chat;                      // -slack-* / -msteams-*
  int threadiness = 2;
  double timeScale = 1.0;
  Duration minInterval{10 * 1000};
  Duration controlLoopInterval{10 * 1000};
  std::string metricsServer;            // -metrics-server (the checker's default address)
  bool metricsServerOverrides = false;  // every query to metricsServer, whatever the canary says
  // Where a webhook's request goes (a proxy URL, "" = direct); none = always direct.
  webhooks::HttpWebhookCaller::ProxyResolver webhookProxy;
};

// Members are destroyed in reverse order: the runtime first, then what it calls.
struct EngineWiring {
  std::unique_ptr<runtime::ControllerMetrics> metrics;
  std::unique_ptr<runtime::LastValues> values;
  std::unique_ptr<metrics::PrometheusChecker> checker;
  std::unique_ptr<webhooks::HttpWebhookCaller> http;
  std::unique_ptr<runtime::CountingCaller> hooks;
  std::unique_ptr<notifier::Notifier> global;
  std::unique_ptr<controller::AlertRouter> alerts;
  std::unique_ptr<runtime::Runtime> runtime;  // built, not started
};

// Fails only on bad notifier flags. `platform`, `secrets`' source, `history` (optional) and
// `clock` must outlive the result.
Result<std::unique_ptr<EngineWiring>> wireEngine(platform::Platform& platform, metrics::SecretSourcePtr secrets,
                                                 controller::HistoryStore* history, const Clock& clock,
                                                 const EngineWiringOptions& options);

}  // namespace aviary::cli
