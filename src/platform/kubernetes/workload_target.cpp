#include "platform/kubernetes/workload_target.h"

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
    return Readiness::waiting(
        "waiting for rollout to finish: observed deployment generation less than desired generation");
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

Readiness daemonSetReadiness(const Json& d, int32_t threshold, std::chrono::seconds deadline,
                             const std::string& lastTransitionTime, Clock::TimePoint now) {
  const Json& meta = d.value("metadata", Json::object());
  const Json status = d.value("status", Json::object());
  if (intAt(meta, "generation") > intAt(status, "observedGeneration")) {
    return Readiness::waiting(
        "waiting for rollout to finish: observed daemonset generation less than desired generation");
  }
  const int32_t desired = intAt(status, "desiredNumberScheduled");
  const int32_t updated = intAt(status, "updatedNumberScheduled");
  const int32_t available = intAt(status, "numberAvailable");
  const auto threshDesired = static_cast<int32_t>(static_cast<float>(desired) * threshold / 100);
  const bool newCond = updated < desired;
  const bool availCond = available < threshDesired;
  if (!newCond && !availCond) return Readiness::ready();
  if (auto t = parseTime(lastTransitionTime); t && *t + deadline < now) {
    return Readiness::failed(fmt::format("exceeded its progressDeadlineSeconds: {}", deadline.count()));
  }
  if (newCond) {
    return Readiness::waiting(
        fmt::format("waiting for rollout to finish: {} out of {} new pods have been updated", updated, desired));
  }
  return Readiness::waiting(
      fmt::format("waiting for rollout to finish: {} of {} (readyThreshold {}%) updated pods are available", available,
                  threshDesired, threshold));
}

WorkloadTarget::WorkloadTarget(const KubeContext& ctx, WorkloadKind kind, uint64_t seed)
    : ctx_(ctx), kind_(kind), tracker_(ctx), services_(*ctx.client, *ctx.services), random_(seed) {}

const kube::Resource& WorkloadTarget::resource() const {
  return kind_ == WorkloadKind::DaemonSet ? kDaemonSets : kDeployments;
}

Result<JsonPtr> WorkloadTarget::target(const api::Canary& c) const {
  auto d = cache().get(c.metadata.namespace_, c.spec.targetRef.name);
  if (!d) {
    return makeError(ErrorCode::NotFound, fmt::format("{} {}.{} get query error: {}.apps \"{}\" not found", kindWord(),
                                                      c.spec.targetRef.name, c.metadata.namespace_, resource().plural,
                                                      c.spec.targetRef.name));
  }
  return d;
}

Result<TargetMetadata> WorkloadTarget::metadata(const api::Canary& c) const {
  auto d = target(c);
  if (!d) return d.error();
  return targetMetadata(c, **d, ctx_.selectorLabels, kind_);
}

Result<std::string> WorkloadTarget::revision(const api::Canary& c) {
  auto d = target(c);
  if (!d) return d.error();
  return controller::hashJson(revisionInput(**d, kind_));
}

Result<controller::ConfigChecksums> WorkloadTarget::configs(const api::Canary& c) {
  auto d = target(c);
  if (!d) return d.error();
  auto scanned = tracker_.scan(c, **d);
  if (!scanned) return scanned.error();
  return ConfigTracker::checksums(*scanned);
}

Readiness WorkloadTarget::initialize(const api::Canary& c, bool requirePrimaryReady) {
  const std::string& ns = c.metadata.namespace_;
  const std::string primaryName = c.spec.targetRef.name + "-primary";
  auto d = target(c);
  if (!d) return Readiness::waiting(d.error().message);
  auto meta = targetMetadata(c, **d, ctx_.selectorLabels, kind_);
  if (!meta) return Readiness::waiting(meta.error().message);
  if (kind_ == WorkloadKind::DaemonSet) {
    const std::string type = (**d)["spec"].value("updateStrategy", Json::object()).value("type", "");
    if (!type.empty() && type != "RollingUpdate") {
      return Readiness::waiting(
          fmt::format("daemonset {}.{} must have RollingUpdate strategy but have {}", c.spec.targetRef.name, ns, type));
    }
  }
  // Flagger's Kubernetes router creates the canary and primary Services first (§2.1).
  for (auto role : {ServiceRole::Canary, ServiceRole::Primary}) {
    if (auto st = services_.reconcile(c, role, *meta); !st) return Readiness::waiting(st.error().message);
  }
  if (!cache().get(ns, primaryName)) {
    auto configs = tracker_.scan(c, **d);
    if (!configs) return Readiness::waiting(configs.error().message);
    if (auto st = tracker_.writePrimaries(c, *configs); !st) return Readiness::waiting(st.error().message);
    PrimaryOptions po{ctx_.selectorLabels, ctx_.includeLabelPrefix, kind_};
    Json want = newPrimaryDeployment(c, **d, *meta, ConfigTracker::names(*configs), po, random_);
    auto r = ctx_.client->create(resource(), ns, want);
    if (!r && r.error().code != ErrorCode::Conflict) {
      return Readiness::waiting(
          fmt::format("creating {} {}.{} failed: {}", kindWord(), primaryName, ns, r.error().message));
    }
    if (r) cache().put(*r);
  }
  return requirePrimaryReady ? readiness(c, true) : Readiness::ready();
}

Readiness WorkloadTarget::readiness(const api::Canary& c, bool primary) const {
  const std::string& ns = c.metadata.namespace_;
  const std::string name = primary ? c.spec.targetRef.name + "-primary" : c.spec.targetRef.name;
  const std::string prefix = primary ? fmt::format("{}.{} not ready: ", name, ns)
                                     : fmt::format("canary {} {}.{} not ready: ", kindWord(), name, ns);
  auto d = cache().get(ns, name);
  if (!d) return Readiness::waiting(fmt::format("{} {}.{} get query error: not found", kindWord(), name, ns));
  const auto& a = c.spec.analysis;
  const int32_t threshold = a ? (primary ? a->primaryReadyThreshold : a->canaryReadyThreshold).value_or(100) : 100;
  const std::chrono::seconds deadline(c.spec.progressDeadlineSeconds);
  auto r = kind_ == WorkloadKind::DaemonSet
               ? daemonSetReadiness(*d, threshold, deadline, c.status.lastTransitionTime, ctx_.clock->now())
               : deploymentReadiness(*d, threshold, deadline, ctx_.clock->now());
  if (!r.isReady()) r.message = prefix + r.message;
  return r;
}

Readiness WorkloadTarget::isPrimaryReady(const api::Canary& c) {
  return readiness(c, true);
}
Readiness WorkloadTarget::isCanaryReady(const api::Canary& c) {
  return readiness(c, false);
}

Status WorkloadTarget::promote(const api::Canary& c) {
  const std::string& ns = c.metadata.namespace_;
  const std::string primaryName = c.spec.targetRef.name + "-primary";
  auto d = target(c);
  if (!d) return d.error();
  auto meta = targetMetadata(c, **d, ctx_.selectorLabels, kind_);
  if (!meta) return meta.error();
  auto configs = tracker_.scan(c, **d);
  if (!configs) return configs.error();
  if (auto st = tracker_.writePrimaries(c, *configs); !st) return st;
  const PrimaryOptions po{ctx_.selectorLabels, ctx_.includeLabelPrefix, kind_};
  const JsonPtr targetObj = *d;
  const TrackedNames names = ConfigTracker::names(*configs);
  // A full PUT with retry on conflict (client-go's DefaultRetry), as Flagger does.
  auto r = ctx_.client->updateWithRetry(resource(), ns, primaryName, [&](Json& primary) {
    promoteInto(primary, c, *targetObj, *meta, names, po, random_);
    return okStatus();
  });
  if (!r)
    return makeError(r.error().code, fmt::format("updating {} {}.{} template spec failed: {}", kindWord(), primaryName,
                                                 ns, r.error().message));
  cache().put(*r);
  return okStatus();
}

Status WorkloadTarget::scaleTo(const api::Canary& c, int32_t replicas) {
  const std::string& ns = c.metadata.namespace_;
  const std::string& name = c.spec.targetRef.name;
  auto d = target(c);
  if (!d) return d.error();
  const Json& spec = (**d)["spec"];
  if (spec.contains("replicas") && spec["replicas"] == replicas) return okStatus();  // nothing to write
  auto r = ctx_.client->patch(kDeployments, ns, name, kube::PatchType::Merge, {{"spec", {{"replicas", replicas}}}});
  if (!r) {
    return makeError(r.error().code,
                     replicas == 0
                         ? fmt::format("scaling down {}.{} failed: {}", name, ns, r.error().message)
                         : fmt::format("scaling up {}.{} to {} failed: {}", name, ns, replicas, r.error().message));
  }
  ctx_.deployments->put(*r);
  return okStatus();
}

Status WorkloadTarget::setScaledToZero(const api::Canary& c, bool zero) {
  const std::string& ns = c.metadata.namespace_;
  const std::string& name = c.spec.targetRef.name;
  auto d = target(c);
  if (!d) return d.error();
  const Json sel = (**d)["spec"]
                       .value("template", Json::object())
                       .value("spec", Json::object())
                       .value("nodeSelector", Json::object());
  if ((sel.is_object() && sel.contains(kScaleToZeroKey)) == zero) return okStatus();  // already so
  // A full PUT of the target, as Flagger (retry on conflict).
  auto r = ctx_.client->updateWithRetry(kDaemonSets, ns, name, [&](Json& ds) {
    Json& ps = ds["spec"]["template"]["spec"];
    if (zero) {
      if (!ps.contains("nodeSelector") || !ps["nodeSelector"].is_object()) ps["nodeSelector"] = Json::object();
      ps["nodeSelector"][kScaleToZeroKey] = "true";
    } else if (ps.contains("nodeSelector") && ps["nodeSelector"].is_object()) {
      ps["nodeSelector"].erase(kScaleToZeroKey);
    }
    return okStatus();
  });
  if (!r) {
    return makeError(r.error().code,
                     fmt::format("scaling {} {}.{} failed: {}", zero ? "down" : "up", name, ns, r.error().message));
  }
  ctx_.daemonSets->put(*r);
  return okStatus();
}

Status WorkloadTarget::scaleToZero(const api::Canary& c) {
  return kind_ == WorkloadKind::DaemonSet ? setScaledToZero(c, true) : scaleTo(c, 0);
}

Status WorkloadTarget::scaleFromZero(const api::Canary& c) {
  if (kind_ == WorkloadKind::DaemonSet) return setScaledToZero(c, false);
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
    } else if (c.spec.autoscalerRef->kind == "ScaledObject") {
      if (int32_t m = scaledObjectMinReplicas(c); m > 1) n = m;
    }
  }
  return scaleTo(c, n);
}

Status WorkloadTarget::revert(const api::Canary& c) {
  if (kind_ == WorkloadKind::DaemonSet) return setScaledToZero(c, false);  // Flagger: Finalize = ScaleFromZero
  auto p = ctx_.deployments->get(c.metadata.namespace_, c.spec.targetRef.name + "-primary");
  if (!p) return scaleFromZero(c);
  return scaleTo(c, intAt((*p)["spec"], "replicas", 1));
}

}  // namespace aviary::platform::kubernetes
