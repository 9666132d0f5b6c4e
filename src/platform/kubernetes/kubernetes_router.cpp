#include "platform/kubernetes/kubernetes_router.h"

namespace aviary::platform::kubernetes {

Status KubernetesRouter::reconcile(const api::Canary& canary) {
  auto meta = metadata_(canary);
  if (!meta) return meta.error();
  if (auto st = services_.reconcile(canary, ServiceRole::Apex, *meta); !st) return st;
  return mesh_->reconcile(canary);
}

Status KubernetesRouter::finalize(const api::Canary& canary) {
  // Flagger: the Kubernetes router's Finalize, then the mesh router's (§1.16 steps 5–6).
  auto meta = metadata_(canary);
  if (!meta) return meta.error();
  if (auto st = services_.finalizeApex(canary, *meta); !st) return st;
  return mesh_->finalize(canary);
}

}  // namespace aviary::platform::kubernetes
