#pragma once
// router::Router for Istio over the Kubernetes API (Flagger's IstioRouter, pkg/router/istio.go):
// writes the objects of istio_objects.h with a kube::Client.
//
// - reconcile: creates or updates the DestinationRules APEX-canary and APEX-primary (spec
//   replaced when it differs), then the VirtualService APEX. An existing VirtualService is
//   updated only when its hosts/gateways/http/tcp differ from the desired ones ignoring what
//   setRoutes owns (weights, mirror, session-affinity cookie routes) or its labels/annotations
//   differ; the update resets the routes to 100/0 (as Flagger) and records the previous spec in
//   the annotation flagger.kubernetes.io/original-configuration unless kubectl's
//   last-applied-configuration is there. Unlike Flagger, spec fields we do not model (exportTo,
//   tls, …) and the rest of the object are kept, not wiped.
// - setRoutes: GET, replace `http` (or `tcp`), PUT. A stale resourceVersion is an error
//   (Conflict), retried by the engine at the next tick, as Flagger does.
// - getRoutes: reads the split and the mirror flag back from the VirtualService.
// - finalize (revertOnDeletion): restores the spec from kubectl's last-applied-configuration,
//   else from original-configuration; with neither, does nothing and succeeds.
// Not thread-safe for one canary (the engine calls it from the canary's tick only).
#include <memory>

#include "api/canary.h"
#include "common/clock.h"
#include "common/result.h"
#include "kube/client.h"
#include "router/istio/istio_objects.h"
#include "router/router.h"

namespace aviary::router::istio {

inline const kube::Resource kVirtualServices{"networking.istio.io", "v1beta1", "virtualservices", true};
inline const kube::Resource kDestinationRules{"networking.istio.io", "v1beta1", "destinationrules", true};

struct IstioRouterOptions {
  ObjectOptions objects;       // owner references (off when the mesh is another cluster)
  Random* random = nullptr;    // session-affinity cookies; null = an own generator seeded at random
};

class IstioRouter final : public Router {
 public:
  // `client` must outlive the router.
  IstioRouter(kube::Client& client, IstioRouterOptions options = {});

  Status reconcile(const api::Canary& canary) override;
  Status setRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror) override;
  Result<Routes> getRoutes(const api::Canary& canary, const api::CanaryStatus& status) override;
  Status finalize(const api::Canary& canary) override;

 private:
  Status reconcileDestinationRule(const api::Canary& canary, const std::string& host);
  Status reconcileVirtualService(const api::Canary& canary);

  kube::Client* client_;
  IstioRouterOptions options_;
  std::unique_ptr<Random> ownRandom_;
};

// The factory the Kubernetes platform calls for provider "istio" (and, as Flagger, for unknown
// providers). Error (Invalid) when the Canary asks for what Istio routing refuses (checkCanary:
// delegation with hosts or gateways, equal session-affinity cookie names).
Result<std::unique_ptr<Router>> makeIstioRouter(kube::Client& client, const api::Canary& canary);

}  // namespace aviary::router::istio
