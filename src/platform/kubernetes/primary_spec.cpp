#include "platform/kubernetes/primary_spec.h"

#include <fmt/format.h>

#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;

bool isSelectorLabel(const std::string& key, const std::vector<std::string>& labels) {
  return std::find(labels.begin(), labels.end(), key) != labels.end();
}

// Rewrites one LabelSelector of an anti-affinity term or topology constraint (§1.4).
void rewriteSelector(Json& sel, const std::string& target, const std::vector<std::string>& labels) {
  if (!sel.is_object()) return;
  if (sel.contains("matchExpressions") && sel["matchExpressions"].is_array()) {
    for (auto& e : sel["matchExpressions"]) {
      if (!e.is_object() || !isSelectorLabel(e.value("key", ""), labels) || !e.contains("values")) continue;
      for (auto& v : e["values"]) {
        if (v.is_string() && v.get<std::string>() == target) {
          v = target + "-primary";
          break;  // the first one only
        }
      }
    }
  }
  if (sel.contains("matchLabels") && sel["matchLabels"].is_object()) {
    for (auto it = sel["matchLabels"].begin(); it != sel["matchLabels"].end(); ++it)
      if (isSelectorLabel(it.key(), labels) && it->is_string() && it->get<std::string>() == target)
        *it = target + "-primary";
  }
}

void renameRef(Json& holder, const char* field, const char* kind, const TrackedNames& tracked) {
  if (!holder.is_object() || !holder.contains(field) || !holder[field].is_string()) return;
  const std::string name = holder[field];
  if (tracked.count(std::string(kind) + "/" + name)) holder[field] = name + "-primary";
}

void renameContainers(Json& containers, const TrackedNames& tracked) {
  if (!containers.is_array()) return;
  for (auto& c : containers) {
    if (c.contains("env") && c["env"].is_array()) {
      for (auto& e : c["env"]) {
        if (!e.contains("valueFrom")) continue;
        auto& vf = e["valueFrom"];
        if (vf.contains("configMapKeyRef")) renameRef(vf["configMapKeyRef"], "name", "configmap", tracked);
        if (vf.contains("secretKeyRef")) renameRef(vf["secretKeyRef"], "name", "secret", tracked);
      }
    }
    if (c.contains("envFrom") && c["envFrom"].is_array()) {
      for (auto& e : c["envFrom"]) {
        if (e.contains("configMapRef")) renameRef(e["configMapRef"], "name", "configmap", tracked);
        if (e.contains("secretRef")) renameRef(e["secretRef"], "name", "secret", tracked);
      }
    }
  }
}

int32_t targetReplicas(const Json& d) {
  const auto& spec = d.value("spec", Json::object());
  return spec.contains("replicas") && spec["replicas"].is_number_integer() ? spec["replicas"].get<int32_t>() : 0;
}

void copySpecFields(Json& to, const Json& from, WorkloadKind kind) {
  static const std::vector<const char*> deployment{"progressDeadlineSeconds", "minReadySeconds", "revisionHistoryLimit",
                                                   "strategy"};
  static const std::vector<const char*> daemonSet{"minReadySeconds", "revisionHistoryLimit", "updateStrategy"};
  for (const char* f : kind == WorkloadKind::DaemonSet ? daemonSet : deployment) {
    if (from["spec"].contains(f)) {
      to["spec"][f] = from["spec"][f];
    } else {
      to["spec"].erase(f);
    }
  }
}

Json primaryTemplate(const api::Canary& c, const Json& target, const TargetMetadata& meta, const TrackedNames& tracked,
                     const PrimaryOptions& o, Random& random) {
  const Json& tpl = target["spec"].value("template", Json::object());
  const Json& tmeta = tpl.value("metadata", Json::object());
  Json out = tpl;
  out["metadata"]["labels"] = primaryLabels(stringMap(tmeta.value("labels", Json())), meta.labelKey, meta.labelValue);
  out["metadata"]["annotations"] = podAnnotations(stringMap(tmeta.value("annotations", Json())), random);
  if (o.kind == WorkloadKind::DaemonSet) {
    // Config renaming only (no affinity rewrites), and never the scale-to-zero node selector.
    out["spec"] = primaryPodSpec(tpl.value("spec", Json::object()), c.spec.targetRef.name, tracked, {});
    if (out["spec"].contains("nodeSelector") && out["spec"]["nodeSelector"].is_object()) {
      out["spec"]["nodeSelector"].erase(kScaleToZeroKey);
    }
  } else {
    out["spec"] = primaryPodSpec(tpl.value("spec", Json::object()), c.spec.targetRef.name, tracked, o.selectorLabels);
  }
  return out;
}

}  // namespace

Json revisionInput(const Json& workload, WorkloadKind kind) {
  Json tpl = workload.value("spec", Json::object()).value("template", Json::object());
  if (kind == WorkloadKind::DaemonSet) {
    Json& spec = tpl["spec"];
    if (!spec.contains("nodeSelector") || !spec["nodeSelector"].is_object()) spec["nodeSelector"] = Json::object();
    spec["nodeSelector"].erase(kScaleToZeroKey);
  }
  return tpl;
}

Result<TargetMetadata> targetMetadata(const api::Canary& c, const Json& d, const std::vector<std::string>& labels,
                                      WorkloadKind kind) {
  TargetMetadata m;
  const Json sel =
      d.value("spec", Json::object()).value("selector", Json::object()).value("matchLabels", Json::object());
  for (const auto& l : labels) {
    if (sel.contains(l) && sel[l].is_string()) {
      m.labelKey = l;
      m.labelValue = sel[l];
      break;
    }
  }
  if (m.labelKey.empty()) {
    // Flagger's DaemonSet text has a stray trailing quote; kept, tools may match it.
    return makeError(
        ErrorCode::Invalid,
        fmt::format("{} {}.{} spec.selector.matchLabels must contain one of [{}]{}",
                    kind == WorkloadKind::DaemonSet ? "daemonset" : "deployment", c.spec.targetRef.name,
                    c.metadata.namespace_, fmt::join(labels, " "), kind == WorkloadKind::DaemonSet ? "'" : ""));
  }
  if (!c.spec.service.portDiscovery) return m;
  const auto& s = c.spec.service;
  const Json containers =
      d["spec"].value("template", Json::object()).value("spec", Json::object()).value("containers", Json::array());
  for (const auto& ct : containers) {
    const std::string cname = ct.value("name", "");
    if (cname == "istio-proxy" || cname == "envoy") continue;
    int index = 0;
    for (const auto& p : ct.value("ports", Json::array())) {
      const int32_t port = p.value("containerPort", 0);
      const std::string pname = p.value("name", "");
      const int i = index++;
      if (s.targetPort.is_null() || (s.targetPort.is_number() && s.targetPort.get<int64_t>() == 0)) {
        if (port == s.port) continue;
      } else if (s.targetPort.is_number()) {
        if (port == s.targetPort.get<int64_t>()) continue;
      } else if (s.targetPort.is_string() && pname == s.targetPort.get<std::string>()) {
        continue;
      }
      m.ports[pname.empty() ? fmt::format("tcp-{}-{}", cname, i) : pname] = port;
    }
  }
  return m;
}

Json primaryPodSpec(const Json& podSpec, const std::string& target, const TrackedNames& tracked,
                    const std::vector<std::string>& labels) {
  Json s = podSpec;
  if (s.contains("volumes") && s["volumes"].is_array()) {
    for (auto& v : s["volumes"]) {
      if (v.contains("configMap")) renameRef(v["configMap"], "name", "configmap", tracked);
      if (v.contains("secret")) renameRef(v["secret"], "secretName", "secret", tracked);
      if (v.contains("projected") && v["projected"].contains("sources") && v["projected"]["sources"].is_array()) {
        for (auto& src : v["projected"]["sources"]) {
          if (src.contains("configMap")) renameRef(src["configMap"], "name", "configmap", tracked);
          if (src.contains("secret")) renameRef(src["secret"], "name", "secret", tracked);
        }
      }
    }
  }
  if (s.contains("containers")) renameContainers(s["containers"], tracked);
  if (s.contains("initContainers")) renameContainers(s["initContainers"], tracked);
  if (s.contains("topologySpreadConstraints") && s["topologySpreadConstraints"].is_array())
    for (auto& t : s["topologySpreadConstraints"])
      if (t.contains("labelSelector")) rewriteSelector(t["labelSelector"], target, labels);
  if (s.contains("affinity") && s["affinity"].contains("podAntiAffinity")) {
    auto& anti = s["affinity"]["podAntiAffinity"];
    if (anti.contains("preferredDuringSchedulingIgnoredDuringExecution"))
      for (auto& t : anti["preferredDuringSchedulingIgnoredDuringExecution"])
        if (t.contains("podAffinityTerm") && t["podAffinityTerm"].contains("labelSelector"))
          rewriteSelector(t["podAffinityTerm"]["labelSelector"], target, labels);
    if (anti.contains("requiredDuringSchedulingIgnoredDuringExecution"))
      for (auto& t : anti["requiredDuringSchedulingIgnoredDuringExecution"])
        if (t.contains("labelSelector")) rewriteSelector(t["labelSelector"], target, labels);
  }
  return s;
}

std::map<std::string, std::string> primaryLabels(const std::map<std::string, std::string>& in, const std::string& key,
                                                 const std::string& value) {
  auto out = filterWorkloadMetadata(in);
  out[key] = value + "-primary";
  return out;
}

std::string uuidV4(Random& random) {
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "0123456789abcdef"[random.next(16)];
  hex[12] = '4';
  hex[16] = "89ab"[random.next(4)];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::map<std::string, std::string> podAnnotations(const std::map<std::string, std::string>& in, Random& random) {
  auto out = filterWorkloadMetadata(in);
  out["flagger-id"] = uuidV4(random);
  return out;
}

Json newPrimaryDeployment(const api::Canary& c, const Json& target, const TargetMetadata& meta,
                          const TrackedNames& tracked, const PrimaryOptions& o, Random& random) {
  const Json& tm = target.value("metadata", Json::object());
  const int32_t replicas = targetReplicas(target);
  const bool ds = o.kind == WorkloadKind::DaemonSet;
  Json d = {{"apiVersion", "apps/v1"},
            {"kind", ds ? "DaemonSet" : "Deployment"},
            {"metadata",
             {{"name", c.spec.targetRef.name + "-primary"},
              {"namespace", c.metadata.namespace_},
              {"labels", primaryLabels(includeByPrefix(stringMap(tm.value("labels", Json())), o.includeLabelPrefix),
                                       meta.labelKey, meta.labelValue)},
              // [Q] §1.3: every annotation is copied at creation (Promote filters by prefix).
              {"annotations", filterWorkloadMetadata(stringMap(tm.value("annotations", Json())))},
              {"ownerReferences", ownerReferenceTo(c)}}},
            {"spec",
             {{"replicas", replicas > 0 ? replicas : 1},
              {"selector", {{"matchLabels", {{meta.labelKey, meta.labelValue + "-primary"}}}}}}}};
  if (ds) d["spec"].erase("replicas");
  copySpecFields(d, target, o.kind);
  d["spec"]["template"] = primaryTemplate(c, target, meta, tracked, o, random);
  return d;
}

void promoteInto(Json& primary, const api::Canary& c, const Json& target, const TargetMetadata& meta,
                 const TrackedNames& tracked, const PrimaryOptions& o, Random& random) {
  copySpecFields(primary, target, o.kind);
  if (!c.spec.autoscalerRef && o.kind == WorkloadKind::Deployment) {
    const auto& ts = target["spec"];
    if (ts.contains("replicas")) primary["spec"]["replicas"] = ts["replicas"];
  }
  primary["spec"]["template"] = primaryTemplate(c, target, meta, tracked, o, random);
  const Json& tm = target.value("metadata", Json::object());
  primary["metadata"]["annotations"] =
      includeByPrefix(stringMap(tm.value("annotations", Json())), o.includeLabelPrefix);
  primary["metadata"]["labels"] = primaryLabels(
      includeByPrefix(stringMap(tm.value("labels", Json())), o.includeLabelPrefix), meta.labelKey, meta.labelValue);
}

Json primaryHpa(const api::Canary& c, const Json& source) {
  const auto& ref = *c.spec.autoscalerRef;
  const Json& s = source.value("spec", Json::object());
  const Json target = s.value("scaleTargetRef", Json::object());
  Json spec = {{"scaleTargetRef",
                {{"name", c.spec.targetRef.name + "-primary"},
                 {"kind", target.value("kind", "Deployment")},
                 {"apiVersion", target.value("apiVersion", "apps/v1")}}}};
  for (const char* f : {"minReplicas", "maxReplicas", "metrics", "behavior"})
    if (s.contains(f)) spec[f] = s[f];
  if (ref.primaryScalerReplicas) {
    if (ref.primaryScalerReplicas->minReplicas) spec["minReplicas"] = *ref.primaryScalerReplicas->minReplicas;
    if (ref.primaryScalerReplicas->maxReplicas) spec["maxReplicas"] = *ref.primaryScalerReplicas->maxReplicas;
  }
  return {
      {"apiVersion", "autoscaling/v2"},
      {"kind", "HorizontalPodAutoscaler"},
      {"metadata",
       {{"name", ref.name + "-primary"},
        {"namespace", c.metadata.namespace_},
        {"labels", filterWorkloadMetadata(stringMap(source.value("metadata", Json::object()).value("labels", Json())))},
        {"ownerReferences", ownerReferenceTo(c)}}},
      {"spec", spec}};
}

std::string scaledObjectQuery(const std::string& query, const std::string& targetName) {
  if (targetName.empty()) return query;
  const std::string canaryName = targetName + "-canary";
  const std::string primaryName = targetName + "-primary";
  // Flagger replaces `-canary` names by a placeholder, then the bare name, then the placeholder:
  // the same as splitting on the `-canary` matches and rewriting the bare name between them.
  auto renameBare = [&](const std::string& part) {
    std::string out;
    size_t from = 0;
    for (size_t at; (at = part.find(targetName, from)) != std::string::npos; from = at + targetName.size())
      out += part.substr(from, at - from) + primaryName;
    return out + part.substr(from);
  };
  std::string out;
  size_t from = 0;
  for (size_t at; (at = query.find(canaryName, from)) != std::string::npos; from = at + canaryName.size())
    out += renameBare(query.substr(from, at - from)) + primaryName;
  return out + renameBare(query.substr(from));
}

Json primaryScaledObject(const api::Canary& c, const Json& source) {
  const auto& ref = *c.spec.autoscalerRef;
  const Json& s = source.value("spec", Json::object());
  const std::string& targetName = c.spec.targetRef.name;
  Json spec = Json::object();
  Json target = {{"name", targetName + "-primary"}};
  const Json& st = s.value("scaleTargetRef", Json::object());
  for (const char* f : {"kind", "apiVersion", "envSourceContainerName"})
    if (st.is_object() && st.contains(f)) target[f] = st[f];
  spec["scaleTargetRef"] = std::move(target);
  for (const char* f : {"pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount", "advanced",
                        "triggers", "fallback", "idleReplicaCount"})
    if (s.contains(f)) spec[f] = s[f];

  if (spec.contains("triggers") && spec["triggers"].is_array()) {
    for (auto& t : spec["triggers"]) {
      if (!t.is_object()) continue;
      if (!ref.primaryScalerQueries.empty()) {
        auto q = ref.primaryScalerQueries.find(t.value("name", ""));
        if (q == ref.primaryScalerQueries.end()) continue;
        if (!t.contains("metadata") || !t["metadata"].is_object()) t["metadata"] = Json::object();
        t["metadata"]["query"] = q->second;
      } else if (t.contains("metadata") && t["metadata"].is_object() && t["metadata"].contains("query") &&
                 t["metadata"]["query"].is_string()) {
        t["metadata"]["query"] = scaledObjectQuery(t["metadata"]["query"].get<std::string>(), targetName);
      }
    }
  }
  if (!spec.contains("advanced") || !spec["advanced"].is_object()) spec["advanced"] = Json::object();
  Json& advanced = spec["advanced"];
  if (!advanced.contains("horizontalPodAutoscalerConfig") || !advanced["horizontalPodAutoscalerConfig"].is_object())
    advanced["horizontalPodAutoscalerConfig"] = Json::object();
  Json& hpaConfig = advanced["horizontalPodAutoscalerConfig"];
  if (hpaConfig.contains("name") && hpaConfig["name"].is_string() && !hpaConfig["name"].get<std::string>().empty())
    hpaConfig["name"] = hpaConfig["name"].get<std::string>() + "-primary";
  if (ref.primaryScalerReplicas) {
    if (ref.primaryScalerReplicas->minReplicas) spec["minReplicaCount"] = *ref.primaryScalerReplicas->minReplicas;
    if (ref.primaryScalerReplicas->maxReplicas) spec["maxReplicaCount"] = *ref.primaryScalerReplicas->maxReplicas;
  }

  const Json& sm = source.value("metadata", Json::object());
  auto annotations = filterWorkloadMetadata(stringMap(sm.value("annotations", Json())));
  annotations.erase(kKedaPausedReplicas);
  Json metadata = {{"name", ref.name + "-primary"},
                   {"namespace", c.metadata.namespace_},
                   {"labels", filterWorkloadMetadata(stringMap(sm.value("labels", Json())))}};
  if (!annotations.empty()) metadata["annotations"] = annotations;
  metadata["ownerReferences"] = ownerReferenceTo(c);
  return {{"apiVersion", "keda.sh/v1alpha1"}, {"kind", "ScaledObject"}, {"metadata", metadata}, {"spec", spec}};
}

}  // namespace aviary::platform::kubernetes
