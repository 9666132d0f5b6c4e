#include "controller/alerts.h"

#include <fmt/format.h>

#include "common/log.h"

namespace aviary::controller {

using notifier::Field;
using notifier::Severity;

bool AlertRouter::admits(const std::string& entrySeverity, Severity severity) {
  if (entrySeverity == "info") return true;
  if (entrySeverity == notifier::toString(severity)) return true;
  return entrySeverity == "warn" && severity == Severity::Error;
}

std::vector<Field> AlertRouter::fields(const api::Canary& canary, bool withMetadata, const std::string& clusterName) {
  std::vector<Field> out;
  if (!clusterName.empty()) out.push_back({"Cluster", clusterName});
  if (!withMetadata) return out;
  const auto& spec = canary.spec;
  out.push_back({"Target", fmt::format("{}/{}.{}", spec.targetRef.kind, spec.targetRef.name, canary.metadata.namespace_)});
  const int32_t threshold = spec.analysis ? spec.analysis->threshold : 1;
  out.push_back({"Failed checks threshold", std::to_string(threshold)});
  out.push_back({"Progress deadline", fmt::format("{}s", spec.progressDeadlineSeconds)});
  if (!spec.analysis) return out;
  const auto& a = *spec.analysis;
  const int32_t maxW = a.maxWeight.value_or(0);
  if (a.stepWeight.value_or(0) > 0) {
    out.push_back({"Traffic routing", fmt::format("Weight step: {} max: {}", *a.stepWeight, maxW)});
  } else if (!a.stepWeights.empty()) {
    out.push_back({"Traffic routing", fmt::format("Weight steps: {} max: {}", fmt::join(a.stepWeights, ","), maxW)});
  } else if (!a.match.empty()) {
    out.push_back({"Traffic routing", "A/B Testing"});
  } else if (a.iterations.value_or(0) > 0) {
    out.push_back({"Traffic routing", "Blue/Green"});
  }
  return out;
}

void AlertRouter::alert(const api::Canary& canary, const std::string& message, bool withMetadata, Severity severity,
                        TickObserver* observer) {
  const auto f = fields(canary, withMetadata, clusterName_);
  const auto& name = canary.metadata.name;
  const auto& ns = canary.metadata.namespace_;
  if (!canary.spec.analysis || canary.spec.analysis->alerts.empty()) {
    if (observer) observer->onAlert("global", message, severity);
    auto st = global_.post(name, ns, message, f, severity);
    if (!st) {
      spdlog::error("alert can't be sent: {}", st.error().message);
      if (onFailure_) onFailure_("global");
    }
    return;
  }
  for (const auto& entry : canary.spec.analysis->alerts) {
    if (!admits(entry.severity, severity)) continue;
    const std::string pns = entry.providerRef.namespace_.empty() ? ns : entry.providerRef.namespace_;
    std::shared_ptr<notifier::Notifier> n = lookup_ ? lookup_(entry.providerRef.name, pns) : nullptr;
    if (!n) {
      spdlog::error("alert provider {}.{} error: not found", entry.providerRef.name, pns);
      continue;
    }
    if (observer) observer->onAlert(entry.providerRef.name, message, severity);
    auto st = n->post(name, ns, message, f, severity);
    if (!st) {
      spdlog::error("alert provider {}.{} send error: {}", entry.providerRef.name, pns, st.error().message);
      if (onFailure_) onFailure_(entry.providerRef.name + "." + pns);
    }
  }
}

}  // namespace aviary::controller
