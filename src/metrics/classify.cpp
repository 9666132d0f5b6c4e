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

}  // namespace aviary::metrics
