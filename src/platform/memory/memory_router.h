#pragma once
// An in-memory Router for tests, `aviary simulate` and benchmarks. Keeps the split, the mirror
// flag and the route shape Flagger's Istio router would build (A/B matches, session-affinity
// cookie rules) so that tests can inspect them. Not thread-safe: one per canary.
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "router/route_rules.h"
#include "router/router.h"

namespace aviary::router {

class MemoryRouter final : public Router {
 public:
  explicit MemoryRouter(Random& random) : random_(&random) {}

  Status reconcile(const api::Canary& canary) override;
  Status setRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror) override;
  Result<Routes> getRoutes(const api::Canary& canary, const api::CanaryStatus& status) override;
  Status finalize(const api::Canary& canary) override;

  // Takes over another router's routes (a restarted controller finds the routes as they are).
  void adoptStateOf(const MemoryRouter& o) {
    routes_ = o.routes_;
    mirrorPercent_ = o.mirrorPercent_;
    rules_ = o.rules_;
    reconciled_ = o.reconciled_;
  }
  // Test seams: the next calls of setRoutes/getRoutes fail with this error until cleared.
  void failForTest(std::optional<Error> error) { failure_ = std::move(error); }

  const Routes& routes() const { return routes_; }
  int32_t mirrorPercent() const { return mirrorPercent_; }  // 0 when not mirrored
  const std::vector<RouteRule>& rules() const { return rules_; }
  bool reconciled() const { return reconciled_; }
  int setRoutesCalls() const { return setRoutesCalls_; }

 private:
  Random* random_;
  Routes routes_;
  int32_t mirrorPercent_ = 0;
  bool reconciled_ = false;
  int setRoutesCalls_ = 0;
  std::vector<RouteRule> rules_;
  std::optional<Error> failure_;
};

}  // namespace aviary::router
