#include "platform/kubernetes/service_target.h"

#include <fmt/format.h>

#include "controller/spec_hash.h"
#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {
namespace {

using controller::Readiness;
using kube::Json;

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// What the API server sets on an object and a copy must not carry over from the target.
void dropServerFields(Json& meta) {
  for (const char* f : {"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink",
                        "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers"})
    meta.erase(f);
}

// Keeps the allocated addresses of `from` (the existing copy) in `spec`, or clears them for a
// create: the target's would collide.
void allocatedFrom(Json& spec, const Json* from) {
  const Json none = Json::object();
  const Json& old = from ? from->value("spec", none) : none;
  for (const char* f : {"clusterIP", "clusterIPs"}) {
    if (old.contains(f)) {
      spec[f] = old[f];
    } else {
      spec.erase(f);
    }
  }
  if (!spec.contains("ports") || !spec["ports"].is_array()) return;
  for (auto& p : spec["ports"]) {
    p.erase("nodePort");
    for (const auto& q : old.value("ports", Json::array()))
      if (q.value("name", "") == p.value("name", "") && q.contains("nodePort")) p["nodePort"] = q["nodePort"];
  }
}

void keepIdentity(Json& meta, const Json* existing) {
  if (!existing) return;
  const Json& m = existing->value("metadata", Json::object());
  for (const char* f : {"uid", "resourceVersion"})
    if (m.contains(f)) meta[f] = m[f];
}

// Whether `want` would change `cur`: spec, labels, annotations, owner references.
bool differs(const Json& want, const Json& cur) {
  const Json none = Json::object();
  const Json& wm = want.value("metadata", none);
  const Json& cm = cur.value("metadata", none);
  for (const char* f : {"labels", "annotations", "ownerReferences"}) {
    const Json a = wm.value(f, Json()), b = cm.value(f, Json());
    const bool aEmpty = a.is_null() || a.empty(), bEmpty = b.is_null() || b.empty();
    if (!(aEmpty && bEmpty) && a != b) return true;
  }
  return want.value("spec", none) != cur.value("spec", none);
}

}  // namespace

Json serviceTargetCopy(const api::Canary& c, const Json& target, const std::string& name, const Json* existing) {
  Json copy = target;
  copy.erase("status");
  Json& meta = copy["metadata"];
  dropServerFields(meta);
  meta["name"] = name;
  meta["namespace"] = c.metadata.namespace_;
  meta["ownerReferences"] = ownerReferenceTo(c);
  if (meta.contains("annotations") && meta["annotations"].is_object()) {
    meta["annotations"].erase(kLastApplied);
    if (meta["annotations"].empty()) meta.erase("annotations");
  }
  keepIdentity(meta, existing);
  Json& spec = copy["spec"];
  if (!spec.is_object()) spec = Json::object();
  if (!c.spec.service.trafficDistribution.empty()) spec["trafficDistribution"] = c.spec.service.trafficDistribution;
  allocatedFrom(spec, existing);
  return copy;
}

Json promotedServiceTarget(const api::Canary& c, const Json& target, const Json& primary,
                           const std::vector<std::string>& includeLabelPrefix) {
  Json out = serviceTargetCopy(c, target, primary["metadata"].value("name", ""), &primary);
  const Json& tm = target.value("metadata", Json::object());
  out["metadata"]["labels"] = includeByPrefix(stringMap(tm.value("labels", Json())), includeLabelPrefix);
  auto anns = includeByPrefix(stringMap(tm.value("annotations", Json())), includeLabelPrefix);
  anns.erase(kLastApplied);
  out["metadata"]["annotations"] = anns;
  return out;
}

Result<JsonPtr> ServiceTarget::target(const api::Canary& c) const {
  auto s = ctx_.services->get(c.metadata.namespace_, c.spec.targetRef.name);
  if (!s) {
    return makeError(ErrorCode::NotFound,
                     fmt::format("service {}.{} get query error: services \"{}\" not found", c.spec.targetRef.name,
                                 c.metadata.namespace_, c.spec.targetRef.name));
  }
  return s;
}

Result<std::string> ServiceTarget::revision(const api::Canary& c) {
  auto s = target(c);
  if (!s) return s.error();
  return controller::hashJson((*s)->value("spec", Json::object()));
}

Status ServiceTarget::write(const api::Canary& c, const Json& t, const std::string& name, bool update) {
  const std::string& ns = c.metadata.namespace_;
  auto cur = ctx_.services->get(ns, name);
  if (cur && !update) return okStatus();
  const Json want = serviceTargetCopy(c, t, name, cur.get());
  if (cur && !differs(want, *cur)) return okStatus();  // a steady tick writes nothing
  auto r = cur ? ctx_.client->update(kServices, ns, want) : ctx_.client->create(kServices, ns, want);
  if (!r) {
    if (!cur && r.error().code == ErrorCode::Conflict) return okStatus();  // created meanwhile; the watch brings it
    return makeError(r.error().code,
                     fmt::format("service {}.{} {} error: {}", name, ns, cur ? "update" : "create", r.error().message));
  }
  ctx_.services->put(*r);
  return okStatus();
}

Readiness ServiceTarget::initialize(const api::Canary& c, bool) {
  auto t = target(c);
  if (!t) return Readiness::waiting(t.error().message);
  const std::string& name = c.spec.targetRef.name;
  if (auto st = write(c, **t, name + "-canary", true); !st) return Readiness::waiting(st.error().message);
  if (auto st = write(c, **t, name + "-primary", false); !st) return Readiness::waiting(st.error().message);
  return Readiness::ready();
}

Status ServiceTarget::promote(const api::Canary& c) {
  auto t = target(c);
  if (!t) return t.error();
  const std::string& ns = c.metadata.namespace_;
  const std::string name = c.spec.targetRef.name + "-primary";
  const JsonPtr targetObj = *t;
  auto r = ctx_.client->updateWithRetry(kServices, ns, name, [&](Json& primary) {
    primary = promotedServiceTarget(c, *targetObj, primary, ctx_.includeLabelPrefix);
    return okStatus();
  });
  if (!r) return makeError(r.error().code, fmt::format("service {}.{} update error: {}", name, ns, r.error().message));
  ctx_.services->put(*r);
  return okStatus();
}

}  // namespace aviary::platform::kubernetes
