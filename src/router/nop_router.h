#pragma once
// The router of the `kubernetes` provider (Flagger's NopRouter): routes nothing. getRoutes
// reports 0/100 once an A/B or Blue/Green iteration has started (status.iterations > 0), else
// 100/0, which is how the engine tells the first analysis tick from later ones.
#include "router/router.h"

namespace aviary::router {

class NopRouter final : public Router {
 public:
  Status reconcile(const api::Canary&) override { return okStatus(); }
  Status setRoutes(const api::Canary&, api::CanaryStatus&, Weights, Mirror) override { return okStatus(); }
  Result<Routes> getRoutes(const api::Canary&, const api::CanaryStatus& status) override {
    return Routes{status.iterations > 0 ? Weights::allCanary() : Weights::allPrimary(), Mirror::No};
  }
  Status finalize(const api::Canary&) override { return okStatus(); }
};

}  // namespace aviary::router
