#include "metrics/checker.h"

namespace aviary::metrics {

MetricKind classify(const api::CanaryMetric& metric) {
  // Flagger §5.3: a templateRef makes a template metric; otherwise a non-empty in-line query wins
  // even over a builtin name; then the two builtin names.
  if (metric.templateRef.has_value()) return MetricKind::Template;
  if (!metric.query.empty()) return MetricKind::Query;
  if (metric.name == "request-success-rate") return MetricKind::SuccessRate;
  if (metric.name == "request-duration") return MetricKind::Duration;
  return MetricKind::Invalid;
}

// The one copy of Flagger's rule (scheduler.go, §5.1): the engine's "no values found for <provider>"
// events and the Prometheus checker's choice of builtin query both call it.
std::string metricsProviderFor(const api::Canary& canary, const std::string& meshProvider) {
  std::string p = meshProvider.find("crossover") != std::string::npos ? "crossover" : meshProvider;
  if (!canary.spec.provider.empty()) {
    p = meshProvider.find("linkerd") != std::string::npos ? "linkerd" : canary.spec.provider;
  }
  const auto& ref = canary.spec.targetRef;
  if (ref.kind == "Service" && !ref.apiVersion.starts_with("serving.knative.dev")) p += ":service";
  return p;
}

}  // namespace aviary::metrics
