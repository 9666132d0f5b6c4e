#pragma once
// `aviary render`'s model: every object `aviary controller` would create or update for a Canary
// and the Kubernetes objects it refers to (target Deployment/DaemonSet, HPA or KEDA
// ScaledObject, ConfigMaps, Secrets), at a given phase and canary weight, without a cluster.
// Built by the same pure functions the controller's targets and routers write with —
// newPrimaryDeployment/promoteInto, primaryHpa and primaryScaledObject (primary_spec.h),
// Services::desired (services.h), trackConfigs and primaryConfigCopy (config_tracker.h), and for
// provider istio the Istio router's destinationRule/virtualServiceAt (router/istio/istio_objects.h)
// — so the two cannot drift.
//
// Order of the result: ConfigMap/Secret `-primary` copies, the primary Deployment (DaemonSet),
// the primary HPA or ScaledObject, the apex, `-primary` and `-canary` Services, then (istio) the
// `-canary` and `-primary` DestinationRules and the VirtualService. For a Service target (service_target.h):
// the `-canary` and `-primary` copies of the user's Service, then the Istio objects.
//
// Every problem is reported at once, each with the file position of the value it is about
// (`FILE:LINE:COL: field.path: expected…, found…`); with any error no object is returned.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/canary.h"
#include "api/decode.h"
#include "common/result.h"
#include "kube/client.h"

namespace aviary::platform::kubernetes {

// The phases render can show (Flagger's names). Initialized (and Failed): the primary as
// created, all traffic to it; Progressing: the analysis at --canary-weight; Promoting: the
// primary has the target's template, the routes still at --canary-weight; Finalising and
// Succeeded: promoted, all traffic back to the primary.
enum class RenderPhase { Initialized, Progressing, Promoting, Finalising, Succeeded, Failed };
std::optional<RenderPhase> parseRenderPhase(const std::string& name);
inline constexpr const char* kRenderPhases = "Initialized, Progressing, Promoting, Finalising, Succeeded, Failed";

struct RenderOptions {
  RenderPhase phase = RenderPhase::Initialized;
  int32_t canaryWeight = 0;            // 0..100; must be 0 unless the phase is Progressing or Promoting
  bool mirror = false;                 // mirror to the canary (needs analysis.mirror; phase Progressing)
  std::string meshProvider = "istio";  // for Canaries without spec.provider (-mesh-provider)
  // The controller's flags that shape its objects.
  std::vector<std::string> selectorLabels{"app", "name", "app.kubernetes.io/name"};
  std::vector<std::string> includeLabelPrefix{""};
  bool configTracking = true;
  // metadata.uid for the owner references when the Canary has none (read from a file); with
  // neither, objects are printed without ownerReferences (an API server refuses an empty uid).
  std::string canaryUid;
  // Seeds the flagger-id pod annotation and session-affinity cookies, which the controller draws
  // at random: a fixed seed makes two renders identical.
  uint64_t seed = 1;
};

// The objects for `canary` (decoded with positions); `inputs` are the other documents read
// (api::OtherObject: object, position, field positions). Inputs without a namespace are taken to
// be in the Canary's (a Canary without one is in "default"); those the Canary does not refer to
// are ignored. Problems are appended to `errors`; when there are any, the result is empty.
// The objects of a load that render reads (targets, HPAs, ConfigMaps, Secrets, Services…), in
// input order: the documents of kinds that are not Flagger's (KEDA ScaledObjects among them) plus
// the HorizontalPodAutoscalers, which the decoder reads as their own kind (api/hpa.h) and which
// render clones as written. The source ScaledObject's pause annotation (an update of the user's
// object) is not rendered.
std::vector<api::OtherObject> renderInputs(const api::LoadResult& loaded);

std::vector<kube::Json> renderCanary(const api::Canary& canary, const std::vector<api::OtherObject>& inputs,
                                     const RenderOptions& options, ErrorList& errors);

// A v1 List of `objects` (what `-o json` prints).
kube::Json renderList(const std::vector<kube::Json>& objects);

}  // namespace aviary::platform::kubernetes
