#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {

using kube::Json;

Json ownerReferenceTo(const api::Canary& c) {
  return Json::array({{{"apiVersion", "flagger.app/v1beta1"},
                       {"kind", "Canary"},
                       {"name", c.metadata.name},
                       {"uid", c.metadata.uid},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

bool ownedByCanary(const Json& o, const std::string& name, const std::string& uid) {
  auto m = o.find("metadata");
  if (m == o.end() || !m->contains("ownerReferences") || !(*m)["ownerReferences"].is_array()) return false;
  for (const auto& r : (*m)["ownerReferences"]) {
    if (!r.is_object() || !r.value("controller", false)) continue;
    return r.value("kind", "") == "Canary" && r.value("name", "") == name && (uid.empty() || r.value("uid", "") == uid);
  }
  return false;
}

std::map<std::string, std::string> stringMap(const Json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it->is_string()) out[it.key()] = it->get<std::string>();
  return out;
}

std::map<std::string, std::string> filterWorkloadMetadata(const std::map<std::string, std::string>& in) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : in)
    if (k.find("toolkit.fluxcd.io") == std::string::npos) out[k] = v;
  return out;
}

std::map<std::string, std::string> includeByPrefix(const std::map<std::string, std::string>& in,
                                                   const std::vector<std::string>& prefixes) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : in) {
    if (k.find("toolkit.fluxcd.io") != std::string::npos) continue;
    for (const auto& p : prefixes) {
      if (p == "*" || (!p.empty() && k.rfind(p, 0) == 0)) {
        out[k] = v;
        break;
      }
    }
  }
  return out;
}

std::map<std::string, std::string> routerFilter(std::map<std::string, std::string> in) {
  in["kustomize.toolkit.fluxcd.io/reconcile"] = "disabled";
  in["helm.toolkit.fluxcd.io/driftDetection"] = "disabled";
  return in;
}

}  // namespace aviary::platform::kubernetes
