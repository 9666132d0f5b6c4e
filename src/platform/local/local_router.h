#pragma once
// LocalRouter: the Router of the local platform (router.h), programming the in-process mesh
// (mesh.h) the way Flagger's Istio router programs a VirtualService (flagger-integration.md §3):
// canary weights, A/B by header and cookie (analysis.match; matched requests go to the split,
// the rest to the primary), blue/green (the engine's all-or-nothing weights), mirroring
// (mirror + analysis.mirrorWeight), session affinity (route_rules.h), and the apex's traffic
// policy from spec.service (match, timeout, retries, headers, rewrite). The mesh's routes are the
// source of truth: getRoutes() reads the weights back from them, as Flagger's GetRoutes reads the
// VirtualService.
//
// Differences from Istio (docs/local-platform.md): spec.service.corsPolicy, match `scheme`,
// `port`, `sourceLabels` and `authority` cannot be expressed on the mesh (Invalid, naming the
// field); a match `suffix` becomes the equivalent regex. A changed traffic policy applies at the
// next setRoutes (Flagger's Reconcile would reset the weights to 100/0 instead).
//
// Thread-safety: one LocalRouter may serve every canary; calls for different canaries may run
// concurrently (the mesh serialises its changes; `random` is guarded here).
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "platform/local/mesh.h"
#include "router/route_rules.h"
#include "router/router.h"

namespace aviary::platform::local {

class LocalRouter final : public router::Router {
 public:
  // `mesh` and `random` (session-affinity cookie values) must outlive the router.
  LocalRouter(Mesh& mesh, Random& random) : mesh_(mesh), random_(random) {}

  // Declares the apex, -primary and -canary services on spec.service.port (their routes are
  // kept); the first time, routes all traffic to the primary with the canary's traffic policy.
  Status reconcile(const api::Canary& canary) override;
  Status setRoutes(const api::Canary& canary, api::CanaryStatus& status, router::Weights weights,
                   router::Mirror mirror) override;
  // Flagger's GetRoutes: the last route with a canary destination gives both weights and the
  // mirror flag; with session affinity, a destination that sets a cookie overrides its weight.
  // Error (Invalid) when both weights are 0, as Flagger's.
  Result<router::Routes> getRoutes(const api::Canary& canary, const api::CanaryStatus& status) override;
  // revertOnDeletion: all traffic of the apex back to the primary; the services stay.
  Status finalize(const api::Canary& canary) override;

  // The mesh routes (proxy config syntax) for `rules` of `canary`; exposed for tests.
  static Result<nlohmann::json> renderRoutes(const api::Canary& canary, const std::vector<router::RouteRule>& rules,
                                             int32_t mirrorPercent);

 private:
  Mesh& mesh_;
  std::mutex randomMu_;
  Random& random_;
};

// The namespace of a Canary as the local platform uses it ("default" when empty).
std::string namespaceOf(const api::Canary& canary);

}  // namespace aviary::platform::local
