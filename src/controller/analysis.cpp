// Metric checks and their event texts (Flagger §5.3/§5.5, scheduler_metrics.go). The checker
// answers a number, "no values" or an error; the verdict and the wording are decided here.
#include <cmath>

#include <fmt/format.h>

#include "common/duration.h"
#include "controller/gofmt.h"
#include "controller/tick.h"

namespace aviary::controller {

using metrics::MetricAnswer;
using metrics::MetricKind;

namespace {

// Flagger §5.1: the provider name printed in "no values found for <provider> metric ...".
std::string metricsProvider(const Tick& t) {
  return metrics::metricsProviderFor(t.canary, t.options.meshProvider);
}

Duration truncMs(double ms) { return Duration(static_cast<int64_t>(ms)); }

// Returns the failure message, or "" when the metric passes.
std::string judge(const Tick& t, const api::CanaryMetric& m, MetricKind kind, const MetricAnswer& a) {
  const std::string& target = t.targetName();
  switch (kind) {
    case MetricKind::SuccessRate:
      if (a.kind == MetricAnswer::Kind::NoValues) {
        return fmt::format("Halt advancement no values found for {} metric {} probably {}.{} is not receiving traffic: {}",
                           metricsProvider(t), m.name, target, t.ns(), a.message);
      }
      if (a.kind == MetricAnswer::Kind::Error) return "Prometheus query failed: " + a.message;
      if (m.thresholdRange) {
        const auto& r = *m.thresholdRange;
        if (r.min && a.value < *r.min) {
          return fmt::format("Halt {}.{} advancement success rate {}% < {}%", t.name(), t.ns(), goFixed2(a.value), goFloat(*r.min));
        }
        if (r.max && a.value > *r.max) {
          return fmt::format("Halt {}.{} advancement success rate {}% > {}%", t.name(), t.ns(), goFixed2(a.value), goFloat(*r.max));
        }
      } else if (m.threshold.value_or(0) > a.value) {
        return fmt::format("Halt {}.{} advancement success rate {}% < {}%", t.name(), t.ns(), goFixed2(a.value),
                           goFloat(m.threshold.value_or(0)));
      }
      return {};
    case MetricKind::Duration: {
      if (a.kind == MetricAnswer::Kind::NoValues) {
        return fmt::format("Halt advancement no values found for {} metric {} probably {}.{} is not receiving traffic",
                           metricsProvider(t), m.name, target, t.ns());
      }
      if (a.kind == MetricAnswer::Kind::Error) return "Prometheus query failed: " + a.message;
      const Duration v = truncMs(a.value);
      if (m.thresholdRange) {
        const auto& r = *m.thresholdRange;
        if (r.min && v < truncMs(*r.min)) {
          return fmt::format("Halt {}.{} advancement request duration {} < {}", t.name(), t.ns(), formatDuration(v),
                             formatDuration(truncMs(*r.min)));
        }
        if (r.max && v > truncMs(*r.max)) {
          return fmt::format("Halt {}.{} advancement request duration {} > {}", t.name(), t.ns(), formatDuration(v),
                             formatDuration(truncMs(*r.max)));
        }
      } else if (v > truncMs(m.threshold.value_or(0))) {
        return fmt::format("Halt {}.{} advancement request duration {} > {}", t.name(), t.ns(), formatDuration(v),
                           formatDuration(truncMs(m.threshold.value_or(0))));
      }
      return {};
    }
    case MetricKind::Query:
    case MetricKind::Template: {
      if (a.kind == MetricAnswer::Kind::NoValues) {
        return kind == MetricKind::Query
                   ? "Halt advancement no values found for metric: " + m.name
                   : fmt::format("Halt advancement no values found for custom metric: {}: {}", m.name, a.message);
      }
      if (a.kind == MetricAnswer::Kind::Error) {
        if (kind == MetricKind::Query) return fmt::format("Prometheus query failed for {}: {}", m.name, a.message);
        // Lookup/secret/provider/render errors arrive fully worded ("Metric template x.y ...");
        // query errors get Flagger's prefix.
        if (a.message.rfind("Metric template ", 0) == 0) return a.message;
        return fmt::format("Metric query failed for {}: {}", m.name, a.message);
      }
      if (m.thresholdRange) {
        const auto& r = *m.thresholdRange;
        if (r.min && a.value < *r.min) {
          return fmt::format("Halt {}.{} advancement {} {} < {}", t.name(), t.ns(), m.name, goFixed2(a.value), goFloat(*r.min));
        }
        if (r.max && a.value > *r.max) {
          return fmt::format("Halt {}.{} advancement {} {} > {}", t.name(), t.ns(), m.name, goFixed2(a.value), goFloat(*r.max));
        }
      } else if (a.value > m.threshold.value_or(0)) {
        return fmt::format("Halt {}.{} advancement {} {} > {}", t.name(), t.ns(), m.name, goFixed2(a.value),
                           goFloat(m.threshold.value_or(0)));
      }
      return {};
    }
    case MetricKind::Invalid: return "Metric query failed for no usable metrics template and query were configured";
  }
  return {};
}

}  // namespace

// Builtin and in-line metrics first, then template (and unusable) metrics, each in list order;
// the first failure ends the analysis.
bool Tick::metricChecks() {
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& m : analysis.metrics) {
      const MetricKind kind = metrics::classify(m);
      const bool templatePass = kind == MetricKind::Template || kind == MetricKind::Invalid;
      if (templatePass != (pass == 1)) continue;
      MetricAnswer answer = kind == MetricKind::Invalid ? MetricAnswer::error("no usable metrics template and query were configured")
                                                        : deps.checker->evaluate(canary, m);
      if (deps.recorder && answer.kind == MetricAnswer::Kind::Value) deps.recorder->setAnalysis(canary, m.name, answer.value);
      const std::string failure = judge(*this, m, kind, answer);
      if (deps.observer) deps.observer->onMetric(m, answer, failure.empty());
      if (deps.tap) deps.tap->onMetric(canary, m, answer, failure.empty());
      if (!failure.empty()) {
        warning(failure);
        return false;
      }
    }
  }
  return true;
}

}  // namespace aviary::controller
