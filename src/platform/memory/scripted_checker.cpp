#include "platform/memory/scripted_checker.h"

namespace aviary::controller {

using metrics::MetricAnswer;
using metrics::MetricKind;

Status ScriptedChecker::checkProviders(const api::Canary& canary) {
  if (providersError_) return makeError(ErrorCode::Unavailable, *providersError_);
  return okStatus();
}

MetricAnswer ScriptedChecker::evaluate(const api::Canary& canary, const api::CanaryMetric& metric) {
  ++evaluations_;
  auto it = answers_.find(metric.name);
  if (it == answers_.end()) it = answers_.find("default");
  const ScriptedMetric& a = it->second;
  const MetricKind kind = metrics::classify(metric);
  const bool builtin = kind == MetricKind::SuccessRate || kind == MetricKind::Duration;
  switch (a.kind) {
    case MetricAnswer::Kind::Value: return MetricAnswer::ofValue(a.value);
    case MetricAnswer::Kind::NoValues:
      return MetricAnswer::noValues(builtin ? "running query failed: no values found" : "no values found");
    case MetricAnswer::Kind::Error: {
      std::string m = a.message.empty() ? "simulated provider error" : a.message;
      return MetricAnswer::error(builtin ? "running query failed: " + m : m);
    }
  }
  return MetricAnswer::error("unreachable");
}

}  // namespace aviary::controller
