// The in-memory backend: the workload is a MemoryTarget whose readiness, revision and tracked
// configs the steps set; the routing is a MemoryRouter (or the no-op router of provider
// kubernetes, whose weights are not routed).
#include <fmt/format.h>

#include "platform/memory/memory_router.h"
#include "platform/memory/memory_target.h"
#include "router/nop_router.h"
#include "simulate/backend.h"

namespace aviary::simulate {
namespace {

using controller::MemoryTarget;

class MemoryBackend final : public Backend {
 public:
  MemoryBackend(const Scenario& sc, const Clock& clock, Random& random)
      : canary_(sc.canary), target_(clock, sc.revision) {
    target_.setConfigs(sc.configs.configs);
    if (sc.canary.spec.provider == "kubernetes") {
      router_ = std::make_unique<router::NopRouter>();
    } else {
      router_ = std::make_unique<router::MemoryRouter>(random);
    }
  }
  const api::Canary& canary() const override { return canary_; }
  controller::Target& target() override { return target_; }
  router::Router& router() override { return *router_; }

  Status step(const Step& step) override {
    if (const auto* r = std::get_if<ReadyStep>(&step.body)) {
      if (r->primary) target_.setReady(MemoryTarget::Side::Primary, *r->primary, r->primaryMessage);
      if (r->canary) target_.setReady(MemoryTarget::Side::Canary, *r->canary, r->canaryMessage);
    } else if (const auto* v = std::get_if<RevisionStep>(&step.body)) {
      target_.setRevision(v->revision);
    } else if (const auto* c = std::get_if<ConfigsStep>(&step.body)) {
      target_.setConfigs(c->configs);
    } else {
      // The parser refuses apply/dump without objects.
      return makeError(ErrorCode::Internal,
                       fmt::format("step \"{}\" needs a scenario on Kubernetes objects", step.key));
    }
    return okStatus();
  }
  Result<std::map<std::string, int32_t>> routes(const api::CanaryStatus& status) override {
    return routesOf(*router_, canary_, status);
  }

 private:
  api::Canary canary_;
  MemoryTarget target_;
  std::unique_ptr<router::Router> router_;
};

}  // namespace

std::unique_ptr<Backend> makeMemoryBackend(const Scenario& scenario, const Clock& clock, Random& random) {
  return std::make_unique<MemoryBackend>(scenario, clock, random);
}

Result<std::map<std::string, int32_t>> routesOf(router::Router& router, const api::Canary& canary,
                                                const api::CanaryStatus& status) {
  auto r = router.getRoutes(canary, status);
  if (!r) return r.error();
  int32_t mirror = 0;
  if (r->mirror == router::Mirror::Yes) {
    const auto& a = canary.spec.analysis;
    mirror = a && a->mirrorWeight && *a->mirrorWeight > 0 ? *a->mirrorWeight : 100;
  }
  return std::map<std::string, int32_t>{
      {"primary", r->weights.primary()}, {"canary", r->weights.canary()}, {"mirror", mirror}};
}

}  // namespace aviary::simulate
