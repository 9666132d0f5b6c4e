#pragma once
// The engine's extension point for metric analysis (Flagger's observers + providers).
// The engine (controller/) calls a MetricChecker; implementations: the scripted in-memory checker
// used by `aviary simulate` and tests (controller/), and the Prometheus-backed checker
// (metrics/prometheus_checker.h) used by the controller and `aviary query`.
//
// Contract: the checker produces a number (or "no values" / an error) for one metric of one
// canary. The engine compares it against thresholdRange / threshold and formats the Flagger
// event messages; the checker never decides pass/fail.
#include <string>

#include "api/canary.h"
#include "common/result.h"

namespace aviary::metrics {

// What kind of metric a CanaryMetric is (decides the event wording, Flagger §5.3).
enum class MetricKind {
  SuccessRate,  // builtin "request-success-rate" (percentage)
  Duration,     // builtin "request-duration" (milliseconds)
  Query,        // deprecated in-line `query`
  Template,     // `templateRef` to a MetricTemplate
  Invalid,      // none of the above ("no usable metrics template and query were configured")
};
MetricKind classify(const api::CanaryMetric& metric);

// The metricsProvider string Flagger derives (scheduler §5.1): the canary's spec.provider, else
// the controller's mesh provider ("crossover" when it contains "crossover"; "linkerd" wins when
// the mesh provider contains it); ":service" appended for Service-kind targets. Names the
// provider in the engine's "no values found" events and picks the builtin query.
std::string metricsProviderFor(const api::Canary& canary, const std::string& meshProvider);

struct MetricAnswer {
  enum class Kind {
    Value,     // `value` holds the result
    NoValues,  // the query returned no data (empty vector or NaN)
    Error,     // provider, render or template error
  };
  Kind kind = Kind::Error;
  double value = 0;
  // NoValues: the detail Flagger prints after "...: " (may be empty).
  // Error: the error text (e.g. Prometheus's own message, or "Metric template x.y error: ...").
  // The exact per-kind wording of the Prometheus checker: metrics/prometheus_checker.h.
  std::string message;
  // The rendered query, when one was rendered (for `aviary query` and debugging output).
  std::string query;

  static MetricAnswer ofValue(double v, std::string q = {}) { return {Kind::Value, v, {}, std::move(q)}; }
  static MetricAnswer noValues(std::string msg, std::string q = {}) {
    return {Kind::NoValues, 0, std::move(msg), std::move(q)};
  }
  static MetricAnswer error(std::string msg, std::string q = {}) { return {Kind::Error, 0, std::move(msg), std::move(q)}; }
};

class MetricChecker {
 public:
  virtual ~MetricChecker() = default;

  // Flagger §5.7: checks that every metrics provider the canary's analysis uses is reachable.
  // OK → the engine emits "all the metrics providers are available!"; an Error's message is
  // printed after "Error checking metric providers: ".
  virtual Status checkProviders(const api::Canary& canary) = 0;

  // Evaluates one metric for the canary (rendering its query with the canary's variables).
  // Thread-safe; may block on network I/O up to the provider's timeout.
  virtual MetricAnswer evaluate(const api::Canary& canary, const api::CanaryMetric& metric) = 0;
};

}  // namespace aviary::metrics
