#pragma once
// What a simulation runs the engine on: the in-memory target and router (memory_backend.cpp), or
// the Kubernetes platform and the Istio router against an in-process sandbox API server
// (aviary_simulate_kube, kube_backend.h). The runner (simulator.cpp) owns the virtual clock, the
// scripted metrics and webhooks, the events, alerts and expectations; the backend owns the
// workload and the routing, and the steps that act on them.
// Called from the runner's thread only.
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "api/canary.h"
#include "common/clock.h"
#include "common/result.h"
#include "controller/target.h"
#include "router/router.h"
#include "simulate/scenario.h"

namespace aviary::simulate {

class Backend {
 public:
  virtual ~Backend() = default;
  // The Canary the engine runs (on Kubernetes: as created in the API server, with its uid).
  virtual const api::Canary& canary() const = 0;
  virtual controller::Target& target() = 0;
  virtual router::Router& router() = 0;
  // A step that acts on the platform: ready, revision, configs (memory); ready, apply
  // (Kubernetes). Other steps are the runner's and are not passed here. An error stops the run
  // (printed with the step's line).
  virtual Status step(const Step& step) = 0;
  // An object of a `dump:` step ("Kind/name") as the platform holds it; NotFound when absent.
  virtual Result<nlohmann::json> object(const std::string& ref) {
    return makeError(ErrorCode::Invalid, "objects can be dumped only in scenarios on Kubernetes objects: " + ref);
  }
  // Waits until what happens outside the engine has happened (on Kubernetes: the kubelet
  // stand-in's status writes and the watch caches catching up), so that a tick or a check sees
  // the platform as it settled. Error when it does not settle in time.
  virtual Status settle() { return okStatus(); }
  // Around each tick (true before, false after): on Kubernetes the kubelet stand-in is paused
  // during the tick, so that a workload becomes ready between ticks, never within one.
  virtual void ticking(bool) {}
  // After a tick: publishes the Canary's status (on Kubernetes: its status subresource).
  virtual Status publishStatus(const api::CanaryStatus&) { return okStatus(); }
  // The routing as configured: "primary" and "canary" weights of the default route and "mirror"
  // (the mirrored percentage, 0 without mirroring).
  virtual Result<std::map<std::string, int32_t>> routes(const api::CanaryStatus& status) = 0;
};

// Builds the backend of a scenario on Kubernetes objects; `clock` and `random` are the run's and
// outlive the backend.
using BackendFactory =
    std::function<Result<std::unique_ptr<Backend>>(const Scenario& scenario, ManualClock& clock, Random& random)>;

// The in-memory backend (MemoryTarget, MemoryRouter or, for provider kubernetes, the no-op
// router).
std::unique_ptr<Backend> makeMemoryBackend(const Scenario& scenario, const Clock& clock, Random& random);

// The routes a router reports (getRoutes): what the in-memory backend answers.
Result<std::map<std::string, int32_t>> routesOf(router::Router& router, const api::Canary& canary,
                                                const api::CanaryStatus& status);

}  // namespace aviary::simulate
