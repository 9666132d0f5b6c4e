#include "platform/local/local_target.h"

#include <fmt/format.h>

#include "common/log.h"

#include "platform/local/local_platform.h"

namespace aviary::platform::local {

using controller::Readiness;

Result<std::string> LocalTarget::revision(const api::Canary& canary) {
  auto w = platform_.workload(ns_, workload_);
  if (!w) return w.error();
  return api::workloadRevision(**w);
}

Readiness LocalTarget::initialize(const api::Canary& canary, bool requirePrimaryReady) {
  auto w = platform_.workload(ns_, workload_);
  if (!w) return Readiness::waiting(w.error().message);
  const std::string primary = workload_ + "-primary";
  if (!platform_.supervisor().status(setKey(ns_, primary)).exists) {
    // Flagger's primary creation: a copy of the target's current spec, with the target's replicas.
    if (auto st = platform_.applySet(ns_, primary, **w, (*w)->spec.replicas); !st) {
      return Readiness::waiting(fmt::format("{}.{} create error: {}", primary, ns_, st.error().message));
    }
  }
  auto ready = requirePrimaryReady ? readiness(canary, true) : Readiness::ready();
  // Flagger's Kubernetes router points the apex service at the primary here (step 11), before the
  // target is scaled to zero (step 12): take the workload's plain service over now, so that no
  // request meets a service without endpoints in between.
  if (ready.isReady()) {
    if (auto st = platform_.takeOverService(canary, workload_); !st) return Readiness::waiting(st.error().message);
  }
  return ready;
}

Readiness LocalTarget::isPrimaryReady(const api::Canary& canary) { return readiness(canary, true); }
Readiness LocalTarget::isCanaryReady(const api::Canary& canary) { return readiness(canary, false); }

Readiness LocalTarget::readiness(const api::Canary& canary, bool primary) {
  const std::string set = primary ? workload_ + "-primary" : workload_;
  const auto st = platform_.supervisor().status(setKey(ns_, set));
  const std::string prefix = primary ? fmt::format("{}-primary.{} not ready: ", workload_, ns_)
                                     : fmt::format("canary deployment {}.{} not ready: ", workload_, ns_);
  if (!st.exists) return Readiness::waiting(prefix + "waiting for rollout to finish: the replica set does not exist yet");
  const auto& a = canary.spec.analysis;
  const int32_t threshold =
      a ? (primary ? a->primaryReadyThreshold : a->canaryReadyThreshold).value_or(100) : 100;
  std::string why;
  if (st.updated < st.desired) {
    why = fmt::format("waiting for rollout to finish: {} out of {} new replicas have been updated", st.updated,
                      st.desired);
  } else if (st.replicas > st.updated) {
    why = fmt::format("waiting for rollout to finish: {} old replicas are pending termination", st.replicas - st.updated);
  } else if (st.available * 100 < st.desired * threshold) {
    why = fmt::format("waiting for rollout to finish: {} of {} (readyThreshold {}%) updated replicas are available",
                      st.available, st.desired, threshold);
  }
  if (why.empty()) {
    platform_.pushEndpoints(setKey(ns_, set));  // ready means routable: the mesh has them now
    return Readiness::ready();
  }
  if (!st.lastStartError.empty()) why += fmt::format(" (last replica error: {})", st.lastStartError);
  // Flagger's progress deadline: no progress for progressDeadlineSeconds fails the rollout.
  const auto deadline = st.lastProgress + std::chrono::seconds(canary.spec.progressDeadlineSeconds);
  if (st.lastProgress.time_since_epoch().count() != 0 && platform_.clock().now() > deadline) {
    return Readiness::failed(prefix + fmt::format("{} (deployment \"{}\" exceeded its progress deadline)", why, set));
  }
  return Readiness::waiting(prefix + why);
}

Status LocalTarget::promote(const api::Canary& canary) {
  auto w = platform_.workload(ns_, workload_);
  if (!w) return w.error();
  // Copy the target's spec to the primary: the supervisor rolls it (surge 1, unavailable 0).
  // Flagger copies the replica count only without an autoscalerRef (§1.5): with one, the
  // primary keeps the count its own autoscaler gave it.
  int32_t replicas = (*w)->spec.replicas;
  if (canary.spec.autoscalerRef) {
    const auto st = platform_.supervisor().status(setKey(ns_, workload_ + "-primary"));
    if (st.exists && st.desired > 0) replicas = st.desired;
  }
  return platform_.applySet(ns_, workload_ + "-primary", **w, replicas);
}

std::optional<api::HorizontalPodAutoscaler> LocalTarget::targetAutoscaler(const api::Canary& canary) {
  const auto& ref = canary.spec.autoscalerRef;
  if (!ref || ref->kind != api::kHpaKind) return std::nullopt;
  auto hpa = platform_.autoscaler(ns_, ref->name);
  if (!hpa && !warnedMissingHpa_) {
    warnedMissingHpa_ = true;
    spdlog::warn("{}.{}: autoscalerRef names HorizontalPodAutoscaler {}.{}, which the local platform does not have; "
                 "the canary runs without autoscaling",
                 canary.metadata.name, ns_, ref->name, ns_);
  }
  if (hpa) warnedMissingHpa_ = false;
  return hpa;
}

Status LocalTarget::reconcilePrimaryScaler(const api::Canary& canary, bool init) {
  const auto& ref = canary.spec.autoscalerRef;
  if (!ref) return okStatus();
  if (ref->kind != api::kHpaKind) {
    return makeError(ErrorCode::Invalid,
                     fmt::format("autoscalerRef kind {} is not run by the local platform (HorizontalPodAutoscaler only)",
                                 ref->kind));
  }
  auto src = targetAutoscaler(canary);
  if (!src) return okStatus();
  const std::string name = ref->name + "-primary";
  if (init && platform_.autoscaler(ns_, name)) return okStatus();  // Flagger updates it only when init is false
  api::HorizontalPodAutoscaler primary;
  primary.apiVersion = "autoscaling/v2";
  primary.metadata.name = name;
  primary.metadata.namespace_ = ns_;
  primary.metadata.labels = src->metadata.labels;
  primary.spec = src->spec;
  primary.spec.scaleTargetRef.name = workload_ + "-primary";
  if (ref->primaryScalerReplicas) {
    if (ref->primaryScalerReplicas->minReplicas) primary.spec.minReplicas = *ref->primaryScalerReplicas->minReplicas;
    if (ref->primaryScalerReplicas->maxReplicas) primary.spec.maxReplicas = *ref->primaryScalerReplicas->maxReplicas;
  }
  primary.pos = src->pos;
  platform_.applyAutoscaler(std::move(primary), ns_ + "/" + canary.metadata.name);
  return okStatus();
}

Status LocalTarget::scaleToZero(const api::Canary& canary) {
  auto w = platform_.workload(ns_, workload_);
  if (!w) return w.error();
  return platform_.applySet(ns_, workload_, **w, 0);
}

Status LocalTarget::scaleFromZero(const api::Canary& canary) {
  auto w = platform_.workload(ns_, workload_);
  if (!w) return w.error();
  // Flagger scales a Deployment without an HPA to 1; here the workload's own replica count, so
  // that the canary runs the shape the user asked for (docs/local-platform.md). With an HPA,
  // Flagger's rule (§1.6): its minReplicas when above 1, else 1; the HPA takes it from there.
  if (auto hpa = targetAutoscaler(canary)) {
    return platform_.applySet(ns_, workload_, **w, std::max<int32_t>(1, hpa->spec.minReplicas));
  }
  return platform_.applySet(ns_, workload_, **w, std::max<int32_t>(1, (*w)->spec.replicas));
}

Status LocalTarget::revert(const api::Canary& canary) {
  auto w = platform_.workload(ns_, workload_);
  if (!w) return w.error();
  return platform_.applySet(ns_, workload_, **w, (*w)->spec.replicas);
}

}  // namespace aviary::platform::local
