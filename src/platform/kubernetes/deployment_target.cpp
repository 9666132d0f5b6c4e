#include "platform/kubernetes/deployment_target.h"

#include <ctime>

#include <fmt/format.h>

#include "controller/spec_hash.h"
#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {
namespace {

using controller::Readiness;
using kube::Json;

// RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" (what the API server writes) → time; nullopt otherwise.
std::optional<Clock::TimePoint> parseTime(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  return Clock::TimePoint(std::chrono::seconds(timegm(&tm)));
}

Json conditionOf(const Json& status, const std::string& type) {
  for (const auto& c : status.value("conditions", Json::array()))
    if (c.value("type", "") == type) return c;
  return nullptr;
}

int32_t intAt(const Json& j, const char* key, int32_t dflt = 0) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int32_t>() : dflt;
}

}  // namespace

Readiness deploymentReadiness(const Json& d, int32_t threshold, std::chrono::seconds deadline, Clock::TimePoint now) {
  const Json& meta = d.value("metadata", Json::object());
  const Json status = d.value("status", Json::object());
  const Json spec = d.value("spec", Json::object());
  if (intAt(meta, "generation") > intAt(status, "observedGeneration")) {
    return Readiness::waiting("waiting for rollout to finish: observed deployment generation less than desired generation");
  }
  bool retriable = true;
  const Json progressing = conditionOf(status, "Progressing");
  if (!progressing.is_null()) {
    const Json available = conditionOf(status, "Available");
    if (!available.is_null() && available.value("status", "") == "False" &&
        available.value("reason", "") == "MinimumReplicasUnavailable") {
      auto t = parseTime(available.value("lastUpdateTime", ""));
      if (t && *t + deadline < now) retriable = false;
    }
  }
  const int32_t updated = intAt(status, "updatedReplicas");
  const auto thresholdReplicas = static_cast<int32_t>(static_cast<float>(updated) * threshold / 100);
  std::string why;
  if (!progressing.is_null() && progressing.value("reason", "") == "ProgressDeadlineExceeded") {
    return Readiness::failed(fmt::format("deployment \"{}\" exceeded its progress deadline", meta.value("name", "")));
  } else if (spec.contains("replicas") && updated < intAt(spec, "replicas")) {
    why = fmt::format("waiting for rollout to finish: {} out of {} new replicas have been updated", updated,
                      intAt(spec, "replicas"));
  } else if (intAt(status, "replicas") > updated) {
    why = fmt::format("waiting for rollout to finish: {} old replicas are pending termination",
                      intAt(status, "replicas") - updated);
  } else if (intAt(status, "availableReplicas") < thresholdReplicas) {
    why = fmt::format("waiting for rollout to finish: {} of {} (readyThreshold {}%) updated replicas are available",
                      intAt(status, "availableReplicas"), thresholdReplicas, threshold);
  }
  if (why.empty()) return Readiness::ready();
  return retriable ? Readiness::waiting(why) : Readiness::failed(why);
}

DeploymentTarget::DeploymentTarget(const KubeContext& ctx, uint64_t seed)
    : ctx_(ctx), tracker_(ctx), services_(*ctx.client, *ctx.services), random_(seed) {}

Result<JsonPtr> DeploymentTarget::target(const api::Canary& c) const {
  auto d = ctx_.deployments->get(c.metadata.namespace_, c.spec.targetRef.name);
  if (!d) {
    return makeError(ErrorCode::NotFound, fmt::format("deployment {}.{} get query error: deployments.apps \"{}\" not found",
                                                      c.spec.targetRef.name, c.metadata.namespace_, c.spec.targetRef.name));
  }
  return d;
}

Result<TargetMetadata> DeploymentTarget::metadata(const api::Canary& c) const {
  auto d = target(c);
  if (!d) return d.error();
  return targetMetadata(c, **d, ctx_.selectorLabels);
}

Result<std::string> DeploymentTarget::revision(const api::Canary& c) {
  auto d = target(c);
  if (!d) return d.error();
  return controller::hashJson((**d)["spec"].value("template", Json::object()));
}

Result<controller::ConfigChecksums> DeploymentTarget::configs(const api::Canary& c) {
  auto d = target(c);
  if (!d) return d.error();
  auto scanned = tracker_.scan(c, **d);
  if (!scanned) return scanned.error();
  return ConfigTracker::checksums(*scanned);
}

Readiness DeploymentTarget::initialize(const api::Canary& c, bool requirePrimaryReady) {
  const std::string& ns = c.metadata.namespace_;
  const std::string primaryName = c.spec.targetRef.name + "-primary";
  auto d = target(c);
  if (!d) return Readiness::waiting(d.error().message);
  auto meta = targetMetadata(c, **d, ctx_.selectorLabels);
  if (!meta) return Readiness::waiting(meta.error().message);
  // Flagger's Kubernetes router creates the canary and primary Services first (§2.1).
  for (auto role : {ServiceRole::Canary, ServiceRole::Primary}) {
    if (auto st = services_.reconcile(c, role, *meta); !st) return Readiness::waiting(st.error().message);
  }
  if (!ctx_.deployments->get(ns, primaryName)) {
    auto configs = tracker_.scan(c, **d);
    if (!configs) return Readiness::waiting(configs.error().message);
    if (auto st = tracker_.writePrimaries(c, *configs); !st) return Readiness::waiting(st.error().message);
    PrimaryOptions po{ctx_.selectorLabels, ctx_.includeLabelPrefix};
    Json want = newPrimaryDeployment(c, **d, *meta, ConfigTracker::names(*configs), po, random_);
    auto r = ctx_.client->create(kDeployments, ns, want);
    if (!r && r.error().code != ErrorCode::Conflict) {
      return Readiness::waiting(fmt::format("creating deployment {}.{} failed: {}", primaryName, ns, r.error().message));
    }
    if (r) ctx_.deployments->put(*r);
  }
  return requirePrimaryReady ? readiness(c, true) : Readiness::ready();
}

Readiness DeploymentTarget::readiness(const api::Canary& c, bool primary) const {
  const std::string& ns = c.metadata.namespace_;
  const std::string name = primary ? c.spec.targetRef.name + "-primary" : c.spec.targetRef.name;
  const std::string prefix = primary ? fmt::format("{}.{} not ready: ", name, ns)
                                     : fmt::format("canary deployment {}.{} not ready: ", name, ns);
  auto d = ctx_.deployments->get(ns, name);
  if (!d) return Readiness::waiting(fmt::format("deployment {}.{} get query error: not found", name, ns));
  const auto& a = c.spec.analysis;
  const int32_t threshold = a ? (primary ? a->primaryReadyThreshold : a->canaryReadyThreshold).value_or(100) : 100;
  auto r = deploymentReadiness(*d, threshold, std::chrono::seconds(c.spec.progressDeadlineSeconds), ctx_.clock->now());
  if (!r.isReady()) r.message = prefix + r.message;
  return r;
}

Readiness DeploymentTarget::isPrimaryReady(const api::Canary& c) { return readiness(c, true); }
Readiness DeploymentTarget::isCanaryReady(const api::Canary& c) { return readiness(c, false); }

Status DeploymentTarget::promote(const api::Canary& c) {
  const std::string& ns = c.metadata.namespace_;
  const std::string primaryName = c.spec.targetRef.name + "-primary";
  auto d = target(c);
  if (!d) return d.error();
  auto meta = targetMetadata(c, **d, ctx_.selectorLabels);
  if (!meta) return meta.error();
  auto configs = tracker_.scan(c, **d);
  if (!configs) return configs.error();
  if (auto st = tracker_.writePrimaries(c, *configs); !st) return st;
  const PrimaryOptions po{ctx_.selectorLabels, ctx_.includeLabelPrefix};
  const JsonPtr targetObj = *d;
  const TrackedNames names = ConfigTracker::names(*configs);
  // A full PUT with retry on conflict (client-go's DefaultRetry), as Flagger does.
  auto r = ctx_.client->updateWithRetry(kDeployments, ns, primaryName, [&](Json& primary) {
    promoteInto(primary, c, *targetObj, *meta, names, po, random_);
    return okStatus();
  });
  if (!r) return makeError(r.error().code, fmt::format("updating deployment {}.{} template spec failed: {}", primaryName,
                                                       ns, r.error().message));
  ctx_.deployments->put(*r);
  return okStatus();
}

Status DeploymentTarget::scaleTo(const api::Canary& c, int32_t replicas) {
  const std::string& ns = c.metadata.namespace_;
  const std::string& name = c.spec.targetRef.name;
  auto d = target(c);
  if (!d) return d.error();
  const Json& spec = (**d)["spec"];
  if (spec.contains("replicas") && spec["replicas"] == replicas) return okStatus();  // nothing to write
  auto r = ctx_.client->patch(kDeployments, ns, name, kube::PatchType::Merge, {{"spec", {{"replicas", replicas}}}});
  if (!r) {
    return makeError(r.error().code, replicas == 0
                                         ? fmt::format("scaling down {}.{} failed: {}", name, ns, r.error().message)
                                         : fmt::format("scaling up {}.{} to {} failed: {}", name, ns, replicas,
                                                       r.error().message));
  }
  ctx_.deployments->put(*r);
  return okStatus();
}

Status DeploymentTarget::scaleToZero(const api::Canary& c) { return scaleTo(c, 0); }

Status DeploymentTarget::scaleFromZero(const api::Canary& c) {
  auto d = target(c);
  if (!d) return d.error();
  const std::string& ns = c.metadata.namespace_;
  int32_t n = intAt((**d)["spec"], "replicas");
  if (n <= 0) {
    n = 1;
    if (!c.spec.autoscalerRef) {
      if (auto p = ctx_.deployments->get(ns, c.spec.targetRef.name + "-primary")) {
        if (int32_t pr = intAt((*p)["spec"], "replicas"); pr > 0) n = pr;
      }
    } else if (c.spec.autoscalerRef->kind == "HorizontalPodAutoscaler") {
      if (auto h = ctx_.hpas->get(ns, c.spec.autoscalerRef->name)) {
        if (int32_t m = intAt((*h)["spec"], "minReplicas"); m > 1) n = m;
      }
    }
  }
  return scaleTo(c, n);
}

Status DeploymentTarget::revert(const api::Canary& c) {
  auto p = ctx_.deployments->get(c.metadata.namespace_, c.spec.targetRef.name + "-primary");
  if (!p) return scaleFromZero(c);
  return scaleTo(c, intAt((*p)["spec"], "replicas", 1));
}

}  // namespace aviary::platform::kubernetes
