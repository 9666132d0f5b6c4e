// WorkloadTarget::reconcilePrimaryScaler: the primary HorizontalPodAutoscaler
// (flagger-integration.md §1.13). autoscaling/v2 only; a v2beta2 autoscalerRef is read through
// v2 (the same object). A ScaledObject autoscalerRef is handled in keda_scaler.cpp (§1.14).
#include <fmt/format.h>

#include "platform/kubernetes/primary_spec.h"
#include "platform/kubernetes/resources.h"
#include "platform/kubernetes/workload_target.h"

namespace aviary::platform::kubernetes {

using kube::Json;

Status WorkloadTarget::reconcilePrimaryScaler(const api::Canary& c, bool init) {
  const auto& ref = *c.spec.autoscalerRef;
  const std::string& ns = c.metadata.namespace_;
  if (ref.kind == "ScaledObject") return reconcilePrimaryScaledObject(c, init);
  if (ref.kind != "HorizontalPodAutoscaler") {
    return makeError(
        ErrorCode::Invalid,
        fmt::format("autoscalerRef kind {} is not supported (HorizontalPodAutoscaler or ScaledObject)", ref.kind));
  }
  auto src = ctx_.hpas->get(ns, ref.name);
  if (!src) {
    return makeError(ErrorCode::NotFound, fmt::format("HorizontalPodAutoscaler {}.{} get query error: "
                                                      "horizontalpodautoscalers.autoscaling \"{}\" not found",
                                                      ref.name, ns, ref.name));
  }
  Json want = primaryHpa(c, *src);
  const Json& spec = want["spec"];
  const std::string name = want["metadata"]["name"];
  auto cur = ctx_.hpas->get(ns, name);
  if (!cur) {
    auto r = ctx_.client->create(kHpas, ns, want);
    if (!r && r.error().code != ErrorCode::Conflict) {
      return makeError(r.error().code,
                       fmt::format("HorizontalPodAutoscaler {}.{} create error: {}", name, ns, r.error().message));
    }
    if (r) ctx_.hpas->put(*r);
    return okStatus();
  }
  if (init) return okStatus();
  const Json& cs = (*cur)["spec"];
  auto minOf = [](const Json& j) { return j.contains("minReplicas") ? j["minReplicas"] : Json(1); };
  // Flagger also compares labels and annotations but never changes them ([Q] §1.13 step 4):
  // comparing only what is written keeps a steady state free of writes.
  if (cs.value("metrics", Json()) == spec.value("metrics", Json()) &&
      cs.value("behavior", Json()) == spec.value("behavior", Json()) && minOf(cs) == minOf(spec) &&
      cs.value("maxReplicas", Json()) == spec.value("maxReplicas", Json())) {
    return okStatus();
  }
  auto r = ctx_.client->updateWithRetry(kHpas, ns, name, [&](Json& h) {
    for (const char* f : {"minReplicas", "maxReplicas", "metrics", "behavior"}) {
      if (spec.contains(f)) {
        h["spec"][f] = spec[f];
      } else {
        h["spec"].erase(f);
      }
    }
    return okStatus();
  });
  if (!r) {
    return makeError(r.error().code,
                     fmt::format("HorizontalPodAutoscaler {}.{} update error: {}", name, ns, r.error().message));
  }
  ctx_.hpas->put(*r);
  return okStatus();
}

}  // namespace aviary::platform::kubernetes
