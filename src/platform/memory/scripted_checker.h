#pragma once
// A MetricChecker answering from a script: each metric name maps to a value, "no values" or an
// error, with a "default" entry (100 unless set). Used by tests and `aviary simulate`.
// Not thread-safe.
#include <map>
#include <optional>
#include <string>

#include "metrics/checker.h"

namespace aviary::controller {

struct ScriptedMetric {
  metrics::MetricAnswer::Kind kind = metrics::MetricAnswer::Kind::Value;
  double value = 100;
  std::string message;  // error text (Error) — default "simulated provider error"

  static ScriptedMetric ofValue(double v) { return {metrics::MetricAnswer::Kind::Value, v, {}}; }
  static ScriptedMetric none() { return {metrics::MetricAnswer::Kind::NoValues, 0, {}}; }
  static ScriptedMetric error(std::string m = {}) { return {metrics::MetricAnswer::Kind::Error, 0, std::move(m)}; }
};

class ScriptedChecker final : public metrics::MetricChecker {
 public:
  ScriptedChecker() { answers_["default"] = ScriptedMetric::ofValue(100); }
  void set(const std::string& metricName, ScriptedMetric answer) { answers_[metricName] = std::move(answer); }
  // Makes checkProviders fail with `message` (nullopt: providers available).
  void setProvidersError(std::optional<std::string> message) { providersError_ = std::move(message); }
  int evaluations() const { return evaluations_; }

  Status checkProviders(const api::Canary& canary) override;
  // Answers like the real checkers word them: builtin "no values" carry Flagger's
  // "running query failed: no values found" detail, template ones "no values found".
  metrics::MetricAnswer evaluate(const api::Canary& canary, const api::CanaryMetric& metric) override;

 private:
  std::map<std::string, ScriptedMetric> answers_;
  std::optional<std::string> providersError_;
  int evaluations_ = 0;
};

}  // namespace aviary::controller
