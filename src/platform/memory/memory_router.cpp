#include "platform/memory/memory_router.h"

namespace aviary::router {

Status MemoryRouter::reconcile(const api::Canary& canary) {
  reconciled_ = true;
  return okStatus();
}

Status MemoryRouter::setRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror) {
  if (failure_) return *failure_;
  ++setRoutesCalls_;
  routes_ = Routes{weights, mirror};
  mirrorPercent_ = router::mirrorPercent(canary, mirror);
  rules_ = buildRouteRules(canary, status, weights, *random_);
  return okStatus();
}

Result<Routes> MemoryRouter::getRoutes(const api::Canary& canary, const api::CanaryStatus& status) {
  if (failure_) return *failure_;
  return routes_;
}

Status MemoryRouter::finalize(const api::Canary& canary) {
  routes_ = Routes{};
  rules_.clear();
  return okStatus();
}

}  // namespace aviary::router
