#pragma once
// The Kubernetes platform's Target for `targetRef.kind: Deployment` and `DaemonSet` (Flagger's
// DeploymentController / DaemonSetController + HPA reconciler + config tracker,
// flagger-integration.md §1.2–1.9, §1.12, §1.13; flagger-scheduler.md §10):
//   - initialize: `-primary` copies of the tracked ConfigMaps/Secrets, the `-canary` and
//     `-primary` Services (services.h), and `<target>-primary` when missing (renamed labels,
//     selector `labelKey: labelValue-primary`, owner reference to the Canary);
//   - readiness from the Deployment's status and conditions (Flagger's texts and thresholds,
//     progress deadline from the Available condition);
//   - promote copies the pod template (with a new flagger-id) to the primary; scaling by JSON
//     merge patch of spec.replicas; revert gives the target the primary's replicas;
//   - the primary HPA `<hpa>-primary` cloned from autoscalerRef (autoscaling/v2), or the primary
//     KEDA ScaledObject `<so>-primary` and the source's pause annotation (keda_scaler.cpp, §1.14).
// A DaemonSet (§1.8) must have the RollingUpdate strategy; it is scaled to zero by the node
// selector `flagger.app/scale-to-zero: "true"` on the target's pods (a PUT), back by removing it;
// its readiness counts scheduled/available pods and its deadline runs from the Canary's
// status.lastTransitionTime.
// Revision fingerprint: FNV-1a over the canonical JSON of the target's spec.template as the API
// server returns it (docs/kubernetes.md: how it differs from Flagger's spew hash).
//
// Reads come from the platform's watch-backed caches; a write happens only when the object must
// change. Called from one canary's ticks only.
#include <memory>
#include <string>

#include "controller/target.h"
#include "platform/kubernetes/config_tracker.h"
#include "platform/kubernetes/kube_context.h"
#include "platform/kubernetes/services.h"

namespace aviary::platform::kubernetes {

class WorkloadTarget final : public controller::Target {
 public:
  WorkloadTarget(const KubeContext& ctx, WorkloadKind kind, uint64_t seed);

  Result<std::string> revision(const api::Canary& canary) override;
  Result<controller::ConfigChecksums> configs(const api::Canary& canary) override;
  controller::Readiness initialize(const api::Canary& canary, bool requirePrimaryReady) override;
  controller::Readiness isPrimaryReady(const api::Canary& canary) override;
  controller::Readiness isCanaryReady(const api::Canary& canary) override;
  Status promote(const api::Canary& canary) override;
  Status scaleToZero(const api::Canary& canary) override;
  Status scaleFromZero(const api::Canary& canary) override;
  Status reconcilePrimaryScaler(const api::Canary& canary, bool init) override;
  // A ScaledObject source gets / loses `autoscaling.keda.sh/paused-replicas: "0"` (a write only
  // when it changes). HPA: no-ops, as Flagger's (Kubernetes stops autoscaling a workload at zero
  // replicas).
  Status pauseTargetScaler(const api::Canary& canary) override { return setTargetScalerPaused(canary, true); }
  Status resumeTargetScaler(const api::Canary& canary) override { return setTargetScalerPaused(canary, false); }
  Status revert(const api::Canary& canary) override;

  // Selector label and discovered ports of the target (for the router and finalization).
  Result<TargetMetadata> metadata(const api::Canary& canary) const;

 private:
  Result<JsonPtr> target(const api::Canary& canary) const;
  controller::Readiness readiness(const api::Canary& canary, bool primary) const;
  Status scaleTo(const api::Canary& canary, int32_t replicas);
  Status setScaledToZero(const api::Canary& canary, bool zero);  // DaemonSet
  // keda_scaler.cpp (§1.14): the primary ScaledObject, the source's pause annotation, and the
  // source's minReplicaCount for scale-from-zero (0 when unreadable).
  Status reconcilePrimaryScaledObject(const api::Canary& canary, bool init);
  Status setTargetScalerPaused(const api::Canary& canary, bool paused);
  int32_t scaledObjectMinReplicas(const api::Canary& canary) const;
  ObjectCache& cache() const { return kind_ == WorkloadKind::DaemonSet ? *ctx_.daemonSets : *ctx_.deployments; }
  const kube::Resource& resource() const;
  const char* kindWord() const { return kind_ == WorkloadKind::DaemonSet ? "daemonset" : "deployment"; }

  const KubeContext& ctx_;
  WorkloadKind kind_;
  ConfigTracker tracker_;
  Services services_;
  SeededRandom random_;
};

// Readiness of a Deployment object (§1.7), without the prefix; `now` for the progress deadline.
controller::Readiness deploymentReadiness(const kube::Json& deployment, int32_t thresholdPercent,
                                          std::chrono::seconds deadline, Clock::TimePoint now);
// Readiness of a DaemonSet (§1.7): the deadline runs from the Canary's lastTransitionTime.
controller::Readiness daemonSetReadiness(const kube::Json& daemonSet, int32_t thresholdPercent,
                                         std::chrono::seconds deadline, const std::string& lastTransitionTime,
                                         Clock::TimePoint now);

}  // namespace aviary::platform::kubernetes
