// `aviary render` on inputs of any shape: the input is YAML (one or more documents) read as the
// objects a Canary refers to — its target Deployment, DaemonSet or Service, HPA or KEDA
// ScaledObject, ConfigMaps and Secrets — for a plain, a KEDA, an A/B, a session-affinity and a
// Service-target Canary. Looks for crashes
// and exceptions escaping renderCanary (nlohmann type errors): each must be an Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/decode.h"
#include "platform/kubernetes/render.h"

namespace {

using aviary::api::Canary;

std::vector<Canary> canaries() {
  const char* base = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
)";
  std::vector<Canary> out;
  for (const char* rest : {
           "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  autoscalerRef: {apiVersion: "
           "autoscaling/v2, kind: HorizontalPodAutoscaler, name: podinfo}\n  service: {port: 9898, portDiscovery: "
           "true}\n  analysis: {interval: 1m}\n",
           "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  autoscalerRef: {apiVersion: "
           "keda.sh/v1alpha1, kind: ScaledObject, name: podinfo}\n  service: {port: 9898}\n  analysis: {interval: "
           "1m}\n",
           "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  autoscalerRef: {apiVersion: "
           "keda.sh/v1alpha1, kind: ScaledObject, name: podinfo, primaryScalerQueries: {rps: q}}\n  service: {port: "
           "9898}\n  analysis: {interval: 1m}\n",
           "  targetRef: {apiVersion: apps/v1, kind: DaemonSet, name: podinfo}\n  service: {port: 9898}\n  analysis: "
           "{iterations: 2, match: [{headers: {x: {exact: y}}}]}\n",
           "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  service: {port: 9898}\n  analysis: "
           "{interval: 1m, sessionAffinity: {cookieName: c1}}\n",
           "  targetRef: {apiVersion: v1, kind: Service, name: podinfo}\n  service: {port: 9898}\n",
       }) {
    auto r = aviary::api::loadString(std::string(base) + rest, "canary.yaml");
    if (!r.canaries.empty()) out.push_back(r.canaries[0]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Canary> kCanaries = canaries();
  const auto in = aviary::api::loadString(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  const auto inputs = aviary::platform::kubernetes::renderInputs(in);
  for (const auto& canary : kCanaries) {
    for (auto phase : {aviary::platform::kubernetes::RenderPhase::Progressing,
                       aviary::platform::kubernetes::RenderPhase::Succeeded}) {
      aviary::platform::kubernetes::RenderOptions options;
      options.phase = phase;
      options.canaryWeight = phase == aviary::platform::kubernetes::RenderPhase::Progressing ? 30 : 0;
      aviary::ErrorList errors;
      const auto objects = aviary::platform::kubernetes::renderCanary(canary, inputs, options, errors);
      if (!errors.empty() && !objects.empty()) __builtin_trap();  // nothing half-rendered
      if (!objects.empty()) (void)aviary::platform::kubernetes::renderList(objects).dump();
    }
  }
  return 0;
}
