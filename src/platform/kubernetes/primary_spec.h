#pragma once
// The pure parts of Flagger's Deployment controller (flagger-integration.md §0.1, §1.2–1.5):
// selector-label discovery, the primary Deployment built from the target, the pod-spec rewrites
// (tracked config names, anti-affinity and topology selectors), the primary HPA and the primary
// KEDA ScaledObject. No I/O: unit-tested directly; WorkloadTarget writes these objects and `aviary render` prints them.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/canary.h"
#include "common/clock.h"
#include "common/result.h"
#include "kube/client.h"
#include "platform/kubernetes/services.h"

namespace aviary::platform::kubernetes {

enum class WorkloadKind { Deployment, DaemonSet };

// The node-selector key Flagger puts on a DaemonSet's pods to scale it to zero (§1.8).
inline constexpr const char* kScaleToZeroKey = "flagger.app/scale-to-zero";

// GetMetadata (§1.2): the first selector label present in spec.selector.matchLabels, and the
// discovered ports when spec.service.portDiscovery.
Result<TargetMetadata> targetMetadata(const api::Canary& canary, const kube::Json& workload,
                                      const std::vector<std::string>& selectorLabels,
                                      WorkloadKind kind = WorkloadKind::Deployment);

// The revision fingerprint's input: spec.template; for a DaemonSet without the scale-to-zero
// node selector, a missing nodeSelector read as {} (§1.8).
kube::Json revisionInput(const kube::Json& workload, WorkloadKind kind);

// Tracked config names: "configmap/<name>" and "secret/<name>" keys whose objects get `-primary`
// copies; the pod spec's references to them are renamed.
using TrackedNames = std::set<std::string>;

// The target's pod spec for the primary: tracked config names suffixed `-primary`, and
// anti-affinity / topology-spread selectors naming the target rewritten (§1.4).
kube::Json primaryPodSpec(const kube::Json& podSpec, const std::string& targetName, const TrackedNames& tracked,
                          const std::vector<std::string>& selectorLabels);

// makePrimaryLabels (§0.1 #4).
std::map<std::string, std::string> primaryLabels(const std::map<std::string, std::string>& in,
                                                 const std::string& labelKey, const std::string& labelValue);
// makeAnnotations (§0.1 #5): a fresh flagger-id (UUID v4 from `random`).
std::map<std::string, std::string> podAnnotations(const std::map<std::string, std::string>& in, Random& random);
std::string uuidV4(Random& random);

struct PrimaryOptions {
  std::vector<std::string> selectorLabels;
  std::vector<std::string> includeLabelPrefix;
  WorkloadKind kind = WorkloadKind::Deployment;
};

// The primary `<target>-primary` to create (§1.3; a DaemonSet as §1.8: no replicas, its
// updateStrategy, no affinity rewrites, no scale-to-zero node selector).
kube::Json newPrimaryDeployment(const api::Canary& canary, const kube::Json& target, const TargetMetadata& meta,
                                const TrackedNames& tracked, const PrimaryOptions& options, Random& random);
// Promote (§1.5, §1.8): `primary` updated in place from `target`.
void promoteInto(kube::Json& primary, const api::Canary& canary, const kube::Json& target, const TargetMetadata& meta,
                 const TrackedNames& tracked, const PrimaryOptions& options, Random& random);

// The primary HorizontalPodAutoscaler `<autoscalerRef.name>-primary` (§1.13), autoscaling/v2,
// cloned from `source` (the HPA autoscalerRef names): scaleTargetRef renamed to the primary,
// minReplicas/maxReplicas (overridden by primaryScalerReplicas), metrics and behavior copied.
// Precondition: canary.spec.autoscalerRef is set.
kube::Json primaryHpa(const api::Canary& canary, const kube::Json& source);

// KEDA's pause annotation: "0" on the source ScaledObject while the primary carries the load
// (PauseTargetScaler / ResumeTargetScaler, §1.14).
inline constexpr const char* kKedaPausedReplicas = "autoscaling.keda.sh/paused-replicas";

// The primary ScaledObject `<autoscalerRef.name>-primary` (§1.14), keda.sh/v1alpha1, cloned
// from `source` (the ScaledObject autoscalerRef names):
//   - scaleTargetRef `{name: <target>-primary}` plus kind, apiVersion and envSourceContainerName
//     when the source has them;
//   - pollingInterval, cooldownPeriod, min/maxReplicaCount, advanced, triggers, fallback and
//     idleReplicaCount copied (Flagger's list; other spec fields are not);
//   - each trigger's metadata.query: with primaryScalerQueries non-empty, the query mapped to
//     the trigger's name (unnamed or unmapped triggers keep theirs); otherwise every
//     `<target>-canary` and `<target>` in it becomes `<target>-primary` (scaledObjectQuery);
//   - advanced.horizontalPodAutoscalerConfig always present, its non-empty name suffixed
//     `-primary` (KEDA names the HPA it creates after it: two ScaledObjects must not share one);
//   - primaryScalerReplicas overrides minReplicaCount / maxReplicaCount;
//   - labels and annotations of the source through the workload filter, without
//     kKedaPausedReplicas (Flagger copies it, [Q] §1.14 step 5: a primary created while the
//     source is paused would never scale); the owner reference to the Canary.
// Precondition: canary.spec.autoscalerRef is set.
kube::Json primaryScaledObject(const api::Canary& canary, const kube::Json& source);

// Flagger's query rewrite for the primary: `<target>-canary` and `<target>` both become
// `<target>-primary`, each occurrence once (a `-canary` match is found first, left to right, as
// Flagger's placeholder pass does; no placeholder is drawn, so no random text can collide).
std::string scaledObjectQuery(const std::string& query, const std::string& targetName);

}  // namespace aviary::platform::kubernetes
