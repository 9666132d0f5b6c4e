#pragma once
// The engine's extension point for traffic routing (Flagger's router.Interface).
// Implementations: the in-memory router (memory_router.h, tests and `aviary simulate`), the no-op
// router of the `kubernetes` provider (nop_router.h), and the platform routers (local proxy,
// Kubernetes meshes) in their own concerns.
//
// Contract: the router is the source of truth for the current weights; the engine reads them back
// with getRoutes() every tick and treats status.canaryWeight as informational. All calls are made
// from the canary's tick (never concurrently for the same canary).
#include <string>

#include "api/canary.h"
#include "common/result.h"
#include "router/weights.h"

namespace aviary::router {

struct Routes {
  Weights weights = Weights::allPrimary();
  Mirror mirror = Mirror::No;
};

class Router {
 public:
  virtual ~Router() = default;

  // Creates or adopts the routing objects for the canary (every tick; must preserve weights).
  virtual Status reconcile(const api::Canary& canary) = 0;

  // Applies the split. With analysis.match the split applies to matched requests only (A/B);
  // with Mirror::Yes primary traffic is also mirrored to the canary (analysis.mirrorWeight).
  // With analysis.sessionAffinity the router generates/rotates the session cookies and records
  // them in `status` (sessionAffinityCookie, primarySessionAffinityCookie,
  // previousSessionAffinityCookie), exactly as Flagger §4.18 describes.
  virtual Status setRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror) = 0;

  // Reads the current split back.
  virtual Result<Routes> getRoutes(const api::Canary& canary, const api::CanaryStatus& status) = 0;

  // Reverts routing objects on deletion (revertOnDeletion).
  virtual Status finalize(const api::Canary& canary) = 0;
};

}  // namespace aviary::router
