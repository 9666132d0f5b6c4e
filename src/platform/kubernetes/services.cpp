#include "platform/kubernetes/services.h"

#include <algorithm>

#include <fmt/format.h>

#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;

std::string nameOf(const api::Canary& c, ServiceRole role) {
  switch (role) {
    case ServiceRole::Apex:
      return c.serviceName();
    case ServiceRole::Primary:
      return c.serviceName() + "-primary";
    case ServiceRole::Canary:
      return c.serviceName() + "-canary";
  }
  return {};
}

const std::optional<api::ServiceMetadata>& customOf(const api::Canary& c, ServiceRole role) {
  switch (role) {
    case ServiceRole::Apex:
      return c.spec.service.apex;
    case ServiceRole::Primary:
      return c.spec.service.primary;
    case ServiceRole::Canary:
      return c.spec.service.canary;
  }
  return c.spec.service.apex;
}

Json sortedPorts(Json ports) {
  if (!ports.is_array()) return Json::array();
  std::sort(ports.begin(), ports.end(),
            [](const Json& a, const Json& b) { return a.value("port", 0) < b.value("port", 0); });
  return ports;
}

// Keys of unmanagedMetadata.{labels,annotations}: their current values are kept (§2.4 step 4).
std::vector<std::string> unmanagedKeys(const api::Canary& c, const char* which) {
  std::vector<std::string> out;
  const auto& u = c.spec.service.unmanagedMetadata;
  if (u.is_object() && u.contains(which) && u[which].is_array())
    for (const auto& k : u[which])
      if (k.is_string()) out.push_back(k.get<std::string>());
  return out;
}

}  // namespace

Json Services::desired(const api::Canary& c, ServiceRole role, const TargetMetadata& meta) {
  const auto& s = c.spec.service;
  const std::string name = nameOf(c, role);
  Json port = {{"name", s.portName.empty() ? "http" : s.portName}, {"protocol", "TCP"}, {"port", s.port}};
  const bool hasTarget = !s.targetPort.is_null() && !(s.targetPort.is_number() && s.targetPort.get<int64_t>() == 0) &&
                         !(s.targetPort.is_string() && s.targetPort.get<std::string>().empty());
  port["targetPort"] = hasTarget ? s.targetPort : Json(s.port);
  if (!s.appProtocol.empty()) port["appProtocol"] = s.appProtocol;
  Json ports = Json::array({port});
  for (const auto& [pn, p] : meta.ports)
    ports.push_back({{"name", pn}, {"protocol", "TCP"}, {"port", p}, {"targetPort", p}});
  const std::string selectorValue = role == ServiceRole::Canary ? meta.labelValue : meta.labelValue + "-primary";
  Json spec = {{"type", "ClusterIP"}, {"selector", {{meta.labelKey, selectorValue}}}, {"ports", ports}};
  if (s.headless) spec["clusterIP"] = "None";
  if (!s.trafficDistribution.empty()) spec["trafficDistribution"] = s.trafficDistribution;
  std::map<std::string, std::string> labels, annotations;
  if (const auto& custom = customOf(c, role)) {
    labels = custom->labels;
    annotations = custom->annotations;
  }
  labels[meta.labelKey] = name;
  Json out = {{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata",
               {{"name", name},
                {"namespace", c.metadata.namespace_},
                {"labels", labels},
                {"annotations", routerFilter(annotations)},
                {"ownerReferences", ownerReferenceTo(c)}}},
              {"spec", spec}};
  return out;
}

Status Services::reconcile(const api::Canary& c, ServiceRole role, const TargetMetadata& meta) {
  return apply(c, desired(c, role, meta), true);
}

Status Services::apply(const api::Canary& c, Json want, bool manageMetadata) {
  const std::string& ns = c.metadata.namespace_;
  const std::string name = want["metadata"]["name"];
  auto cur = cache_.get(ns, name);
  if (!cur) {
    auto r = client_.create(kServices, ns, want);
    if (!r) {
      if (r.error().code == ErrorCode::Conflict) return okStatus();  // created meanwhile; the watch brings it
      return makeError(r.error().code, fmt::format("service {}.{} create error: {}", name, ns, r.error().message));
    }
    cache_.put(*r);
    return okStatus();
  }
  Json next = *cur;
  bool changed = false;
  // nodePorts of same-named ports are kept (§2.4 step 2).
  Json& wantPorts = want["spec"]["ports"];
  const Json curPorts = next["spec"].value("ports", Json::array());
  for (auto& p : wantPorts)
    for (const auto& q : curPorts)
      if (q.value("name", "") == p.value("name", "") && q.contains("nodePort")) p["nodePort"] = q["nodePort"];
  if (sortedPorts(wantPorts) != sortedPorts(curPorts) ||
      want["spec"]["selector"] != next["spec"].value("selector", Json())) {
    next["spec"]["ports"] = wantPorts;
    next["spec"]["selector"] = want["spec"]["selector"];
    changed = true;
  }
  if (manageMetadata && ownedByCanary(*cur, c.metadata.name)) {
    auto curLabels = stringMap(next["metadata"].value("labels", Json()));
    auto curAnns = stringMap(next["metadata"].value("annotations", Json()));
    auto labels = stringMap(want["metadata"]["labels"]);
    auto anns = stringMap(want["metadata"]["annotations"]);
    for (const auto& k : unmanagedKeys(c, "labels"))
      if (curLabels.count(k)) labels[k] = curLabels[k];
    for (const auto& k : unmanagedKeys(c, "annotations"))
      if (curAnns.count(k)) anns[k] = curAnns[k];
    if (labels != curLabels || anns != curAnns) {
      next["metadata"]["labels"] = labels;
      next["metadata"]["annotations"] = anns;
      changed = true;
    }
  }
  if (!changed) return okStatus();
  auto anns = stringMap(next["metadata"].value("annotations", Json()));
  next["metadata"]["annotations"] = routerFilter(anns);
  auto r = client_.update(kServices, ns, next);
  if (!r) return makeError(r.error().code, fmt::format("service {}.{} update error: {}", name, ns, r.error().message));
  cache_.put(*r);
  return okStatus();
}

Status Services::finalizeApex(const api::Canary& c, const TargetMetadata& meta) {
  const std::string& ns = c.metadata.namespace_;
  const std::string name = c.serviceName();
  auto cur = cache_.get(ns, name);
  if (!cur) return okStatus();
  if (ownedByCanary(*cur, c.metadata.name)) return okStatus();  // collected with the Canary
  auto anns = stringMap((*cur)["metadata"].value("annotations", Json()));
  auto it = anns.find("kubectl.kubernetes.io/last-applied-configuration");
  if (it != anns.end()) {
    Json applied = Json::parse(it->second, nullptr, false);
    if (!applied.is_discarded() && applied.is_object() && applied.contains("spec")) {
      Json next = *cur;
      next["spec"]["selector"] = applied["spec"].value("selector", Json::object());
      auto r = client_.update(kServices, ns, next);
      if (!r)
        return makeError(r.error().code, fmt::format("service {}.{} update error: {}", name, ns, r.error().message));
      cache_.put(*r);
      return okStatus();
    }
  }
  Json want = desired(c, ServiceRole::Apex, meta);
  want["spec"]["selector"] = {{meta.labelKey, meta.labelValue}};
  return apply(c, want, false);
}

}  // namespace aviary::platform::kubernetes
