#pragma once
// The router of a canary on the Kubernetes platform: Flagger's Kubernetes router (the apex
// Service pointed at the primary, reconciled every tick; on revertOnDeletion its selector given
// back to the target's pods, flagger-integration.md §2.4–2.5) in front of the mesh router of
// the canary's provider. For the `kubernetes` provider (blue/green by Service selector, no mesh)
// the mesh router is the no-op router: weights are not routed, the Services are the routing.
#include <functional>
#include <memory>

#include "platform/kubernetes/services.h"
#include "router/router.h"

namespace aviary::platform::kubernetes {

class KubernetesRouter final : public router::Router {
 public:
  // `metadata` answers the target's selector label (GetMetadata) at each call.
  KubernetesRouter(Services& services, std::function<Result<TargetMetadata>(const api::Canary&)> metadata,
                   std::unique_ptr<router::Router> mesh)
      : services_(services), metadata_(std::move(metadata)), mesh_(std::move(mesh)) {}

  Status reconcile(const api::Canary& canary) override;
  Status setRoutes(const api::Canary& canary, api::CanaryStatus& status, router::Weights weights,
                   router::Mirror mirror) override {
    return mesh_->setRoutes(canary, status, weights, mirror);
  }
  Result<router::Routes> getRoutes(const api::Canary& canary, const api::CanaryStatus& status) override {
    return mesh_->getRoutes(canary, status);
  }
  Status finalize(const api::Canary& canary) override;

 private:
  Services& services_;
  std::function<Result<TargetMetadata>(const api::Canary&)> metadata_;
  std::unique_ptr<router::Router> mesh_;
};

}  // namespace aviary::platform::kubernetes
