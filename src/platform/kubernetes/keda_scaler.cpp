// WorkloadTarget's KEDA ScaledObject handling (flagger-integration.md §1.14): the primary
// ScaledObject `<autoscalerRef.name>-primary`, and pausing / resuming the source with
// `autoscaling.keda.sh/paused-replicas: "0"`. ScaledObjects are read by direct GETs, not a
// watch-backed cache: KEDA's CRD is optional in a cluster, and a cache would have to be started
// (and its failure handled) only when some Canary names a ScaledObject, for two GETs a tick.
#include <fmt/format.h>

#include "platform/kubernetes/primary_spec.h"
#include "platform/kubernetes/resources.h"
#include "platform/kubernetes/workload_target.h"

namespace aviary::platform::kubernetes {

using kube::Json;

namespace {

Error scaledObjectError(const Error& e, const std::string& name, const std::string& ns, const char* what) {
  return makeError(e.code, fmt::format("ScaledObject {}.{} {} error: {}", name, ns, what, e.message));
}

}  // namespace

Status WorkloadTarget::reconcilePrimaryScaledObject(const api::Canary& c, bool init) {
  const std::string& ns = c.metadata.namespace_;
  const std::string& sourceName = c.spec.autoscalerRef->name;
  auto src = ctx_.client->get(kScaledObjects, ns, sourceName);
  if (!src) return scaledObjectError(src.error(), sourceName, ns, "get query");
  Json want = primaryScaledObject(c, *src);
  const std::string name = want["metadata"]["name"];
  auto cur = ctx_.client->get(kScaledObjects, ns, name);
  if (!cur && cur.error().code != ErrorCode::NotFound) return scaledObjectError(cur.error(), name, ns, "get query");
  if (!cur) {
    auto r = ctx_.client->create(kScaledObjects, ns, want);
    if (!r && r.error().code != ErrorCode::Conflict) return scaledObjectError(r.error(), name, ns, "create");
    return okStatus();
  }
  if (init || (*cur).value("spec", Json()) == want["spec"]) return okStatus();
  // The spec is replaced whole; the primary's labels and annotations are left as they are
  // (Flagger resets them to the include-by-prefix filter of the primary's own, [Q] §1.14 step 6,
  // which with the default -include-label-prefix empties them on every update).
  auto r = ctx_.client->updateWithRetry(kScaledObjects, ns, name, [&](Json& so) {
    so["spec"] = want["spec"];
    return okStatus();
  });
  if (!r) return scaledObjectError(r.error(), name, ns, "update");
  return okStatus();
}

Status WorkloadTarget::setTargetScalerPaused(const api::Canary& c, bool paused) {
  if (!c.spec.autoscalerRef || c.spec.autoscalerRef->kind != "ScaledObject") return okStatus();  // HPA: no-op
  const std::string& ns = c.metadata.namespace_;
  const std::string& name = c.spec.autoscalerRef->name;
  auto src = ctx_.client->get(kScaledObjects, ns, name);
  if (!src) return scaledObjectError(src.error(), name, ns, "get query");
  auto isPaused = [](const Json& so) {
    const Json& a = so.value("metadata", Json::object()).value("annotations", Json::object());
    return a.is_object() && a.contains(kKedaPausedReplicas);
  };
  // Flagger PUTs every time; a source already in the wanted state is left unwritten, so that a
  // repeated pause (each Initializing tick) costs no write and no KEDA reconcile. A pause with a
  // value other than "0" (the user's own) is set to "0", as Flagger does.
  if (!paused && !isPaused(*src)) return okStatus();
  if (paused && isPaused(*src) && (*src)["metadata"]["annotations"][kKedaPausedReplicas] == "0") return okStatus();
  auto r = ctx_.client->updateWithRetry(kScaledObjects, ns, name, [&](Json& so) {
    Json& m = so["metadata"];
    if (paused) {
      if (!m.contains("annotations") || !m["annotations"].is_object()) m["annotations"] = Json::object();
      m["annotations"][kKedaPausedReplicas] = "0";
    } else if (m.contains("annotations") && m["annotations"].is_object()) {
      m["annotations"].erase(kKedaPausedReplicas);
    }
    return okStatus();
  });
  if (!r) return scaledObjectError(r.error(), name, ns, paused ? "pause" : "resume");
  return okStatus();
}

int32_t WorkloadTarget::scaledObjectMinReplicas(const api::Canary& c) const {
  auto so = ctx_.client->get(kScaledObjects, c.metadata.namespace_, c.spec.autoscalerRef->name);
  if (!so) return 0;  // Flagger ignores the error (§1.6)
  const Json& s = so->value("spec", Json::object());
  return s.is_object() && s.contains("minReplicaCount") && s["minReplicaCount"].is_number_integer()
             ? s["minReplicaCount"].get<int32_t>()
             : 0;
}

}  // namespace aviary::platform::kubernetes
