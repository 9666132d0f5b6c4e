#include "router/istio/istio_router.h"

#include <random>

namespace aviary::router::istio {
namespace {

bool isNotFound(const Error& e) { return e.code == ErrorCode::NotFound; }

Error wrap(const Error& e, const std::string& what) {
  Error out = e;
  out.message = what + ": " + e.message;
  return out;
}

std::string objectName(const api::Canary& canary, const std::string& name) {
  return name + "." + canary.metadata.namespace_;
}

Json stringMap(const Json& v) { return v.is_object() ? v : Json::object(); }

// The modelled keys of a spec, the way Flagger serialises its typed spec for the annotation.
Json modelledSpec(const Json& spec) {
  Json out = Json::object();
  for (const char* k : kModelledSpecKeys) {
    if (spec.is_object() && spec.contains(k)) out[k] = spec[k];
  }
  return out;
}

// `spec` with the modelled keys replaced by `desired`'s (absent ones removed); the rest kept.
Json mergedSpec(const Json& existing, const Json& desired) {
  Json out = existing.is_object() ? existing : Json::object();
  for (const char* k : kModelledSpecKeys) {
    if (desired.contains(k)) {
      out[k] = desired[k];
    } else {
      out.erase(k);
    }
  }
  return out;
}

}  // namespace

IstioRouter::IstioRouter(kube::Client& client, IstioRouterOptions options) : client_(&client), options_(options) {
  if (!options_.random) {
    ownRandom_ = std::make_unique<SeededRandom>(std::random_device{}());
    options_.random = ownRandom_.get();
  }
}

Status IstioRouter::reconcile(const api::Canary& canary) {
  const auto names = serviceNames(canary);
  if (auto s = reconcileDestinationRule(canary, names.canary); !s.ok()) return s;
  if (auto s = reconcileDestinationRule(canary, names.primary); !s.ok()) return s;
  return reconcileVirtualService(canary);
}

Status IstioRouter::reconcileDestinationRule(const api::Canary& canary, const std::string& host) {
  const auto& ns = canary.metadata.namespace_;
  const Json desired = destinationRule(canary, host, options_.objects);
  auto existing = client_->get(kDestinationRules, ns, host);
  if (!existing.ok()) {
    if (!isNotFound(existing.error())) return wrap(existing.error(), "DestinationRule " + objectName(canary, host) + " get query error");
    if (auto c = client_->create(kDestinationRules, ns, desired); !c.ok()) {
      return wrap(c.error(), "DestinationRule " + objectName(canary, host) + " create error");
    }
    return okStatus();
  }
  if (existing->value("spec", Json::object()) == desired["spec"]) return okStatus();
  Json updated = *existing;
  updated["spec"] = desired["spec"];
  if (auto u = client_->update(kDestinationRules, ns, updated); !u.ok()) {
    return wrap(u.error(), "DestinationRule " + objectName(canary, host) + " update error");
  }
  return okStatus();
}

Status IstioRouter::reconcileVirtualService(const api::Canary& canary) {
  const auto names = serviceNames(canary);
  const auto& ns = canary.metadata.namespace_;
  const std::string what = "VirtualService " + objectName(canary, names.apex);
  auto desiredObject = virtualService(canary, options_.objects);
  if (!desiredObject.ok()) return desiredObject.error();
  auto existing = client_->get(kVirtualServices, ns, names.apex);
  if (!existing.ok()) {
    if (!isNotFound(existing.error())) return wrap(existing.error(), what + " get query error");
    if (auto c = client_->create(kVirtualServices, ns, *desiredObject); !c.ok()) return wrap(c.error(), what + " create error");
    return okStatus();
  }
  const Json& desiredSpec = (*desiredObject)["spec"];
  const Json existingSpec = existing->value("spec", Json::object());
  Json meta = virtualServiceMetadata(canary);
  const Json existingLabels = stringMap(existing->value("/metadata/labels"_json_pointer, Json()));
  const Json existingAnnotations = stringMap(existing->value("/metadata/annotations"_json_pointer, Json()));
  for (const char* keep : {kKubectlAnnotation, kOriginalAnnotation}) {
    if (existingAnnotations.contains(keep)) meta["annotations"][keep] = existingAnnotations[keep];
  }
  const bool specDiffers = !sameRouting(canary, desiredSpec, existingSpec);
  if (!specDiffers && meta["labels"] == existingLabels && meta["annotations"] == existingAnnotations) return okStatus();

  Json updated = *existing;
  updated["spec"] = mergedSpec(existingSpec, desiredSpec);
  updated["metadata"]["labels"] = meta["labels"];
  updated["metadata"]["annotations"] = meta["annotations"];
  if (specDiffers && !meta["annotations"].contains(kKubectlAnnotation)) {
    // What finalize restores: the spec before this rewrite (Flagger overwrites it at every change).
    updated["metadata"]["annotations"][kOriginalAnnotation] = modelledSpec(existingSpec).dump();
  }
  if (auto u = client_->update(kVirtualServices, ns, updated); !u.ok()) return wrap(u.error(), what + " update error");
  return okStatus();
}

Status IstioRouter::setRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror) {
  const auto names = serviceNames(canary);
  const std::string what = "VirtualService " + objectName(canary, names.apex);
  auto vs = client_->get(kVirtualServices, canary.metadata.namespace_, names.apex);
  if (!vs.ok()) return wrap(vs.error(), what + " get query error");
  Json updated = *vs;
  if (!updated.contains("spec") || !updated["spec"].is_object()) updated["spec"] = Json::object();
  // Cookies are committed to `status` only once the write succeeded.
  api::CanaryStatus next = status;
  if (auto s = applyRoutes(canary, next, weights, mirror, *options_.random, updated["spec"]); !s.ok()) return s;
  if (auto u = client_->update(kVirtualServices, canary.metadata.namespace_, updated); !u.ok()) {
    return wrap(u.error(), what + " update failed");
  }
  status = std::move(next);
  return okStatus();
}

Result<Routes> IstioRouter::getRoutes(const api::Canary& canary, const api::CanaryStatus&) {
  const auto names = serviceNames(canary);
  auto vs = client_->get(kVirtualServices, canary.metadata.namespace_, names.apex);
  if (!vs.ok()) return wrap(vs.error(), "VirtualService " + objectName(canary, names.apex) + " get query error");
  return readRoutes(canary, *vs);
}

Status IstioRouter::finalize(const api::Canary& canary) {
  const auto names = serviceNames(canary);
  const auto& ns = canary.metadata.namespace_;
  const std::string what = "VirtualService " + objectName(canary, names.apex);
  auto vs = client_->get(kVirtualServices, ns, names.apex);
  if (!vs.ok()) return wrap(vs.error(), what + " get query error");
  const Json annotations = stringMap(vs->value("/metadata/annotations"_json_pointer, Json()));
  Json stored;
  auto annotation = [&](const char* key) {
    return annotations[key].is_string() ? annotations[key].get<std::string>() : std::string();
  };
  if (annotations.contains(kKubectlAnnotation)) {
    Json whole = Json::parse(annotation(kKubectlAnnotation), nullptr, false);
    if (whole.is_discarded() || !whole.is_object()) {
      return makeError(ErrorCode::Invalid, what + " failed to unMarshal annotation " + kKubectlAnnotation);
    }
    stored = whole.contains("spec") && whole["spec"].is_object() ? whole["spec"] : Json::object();  // the user's whole spec
  } else if (annotations.contains(kOriginalAnnotation)) {
    Json spec = Json::parse(annotation(kOriginalAnnotation), nullptr, false);
    if (spec.is_discarded() || !spec.is_object()) {
      return makeError(ErrorCode::Invalid, what + " failed to unMarshal annotation " + kOriginalAnnotation);
    }
    stored = mergedSpec(vs->value("spec", Json::object()), spec);  // ours holds the modelled keys only
  } else {
    return okStatus();  // original configuration not found, unable to revert (as Flagger: not an error)
  }
  Json updated = *vs;
  updated["spec"] = stored;
  if (auto u = client_->update(kVirtualServices, ns, updated); !u.ok()) return wrap(u.error(), what + " update error");
  return okStatus();
}

Result<std::unique_ptr<Router>> makeIstioRouter(kube::Client& client, const api::Canary& canary) {
  if (auto s = checkCanary(canary); !s.ok()) return s.error();
  return std::unique_ptr<Router>(std::make_unique<IstioRouter>(client));
}

}  // namespace aviary::router::istio
