#pragma once
// The seam between the platform-neutral runtime (src/runtime) and the platforms that feed it:
// in-memory (src/platform/memory: `aviary simulate`, tests, benchmarks), local processes routed by
// our proxy (src/platform/local) and Kubernetes (src/platform/kubernetes).
//
// A platform supplies a Store of resources (Canaries, MetricTemplates, AlertProviders) served
// from memory, an EventSink, a SecretSource, and factories for the per-canary Target and Router.
// The runtime never reaches the network through the Store during a tick: reads are snapshots of
// what the platform last observed (its watch-backed cache on Kubernetes, the files on local).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/canary.h"
#include "common/result.h"
#include "controller/event_sink.h"
#include "controller/target.h"
#include "metrics/secret_source.h"
#include "router/router.h"

namespace aviary::platform {

enum class Kind { Canary, MetricTemplate, AlertProvider };
const char* toString(Kind kind);

enum class ChangeType { Added, Updated, Deleted };
const char* toString(ChangeType type);

// One change of the store, delivered in the order it happened. The object itself is read back
// with the Store's getters (it may have changed again since).
struct Change {
  ChangeType type = ChangeType::Added;
  Kind kind = Kind::Canary;
  std::string namespace_;
  std::string name;
  std::string resourceVersion;  // of the object after the change ("" for Deleted)
};

// The finalizer Flagger adds to a Canary with revertOnDeletion (flagger-scheduler.md §2.5).
inline constexpr const char* kFinalizer = "finalizer.flagger.app";

class Store {
 public:
  virtual ~Store() = default;

  // Snapshots; null when absent. Thread-safe, memory only. A Canary carries its metadata
  // (resourceVersion, generation — bumped on spec changes only —, finalizers, deletionTimestamp)
  // and its stored status.
  virtual std::shared_ptr<const api::Canary> getCanary(const std::string& ns, const std::string& name) const = 0;
  virtual std::vector<std::shared_ptr<const api::Canary>> listCanaries() const = 0;
  virtual std::shared_ptr<const api::MetricTemplate> getMetricTemplate(const std::string& ns,
                                                                       const std::string& name) const = 0;
  virtual std::vector<std::shared_ptr<const api::MetricTemplate>> listMetricTemplates() const = 0;
  virtual std::shared_ptr<const api::AlertProvider> getAlertProvider(const std::string& ns,
                                                                     const std::string& name) const = 0;

  using Watcher = std::function<void(const Change&)>;
  // Subscribes `watcher` to every later change; the objects present now are replayed first as
  // Added. Watchers run on the thread that made the change and must not block or call back into
  // the store's writers. Call before the store is shared between threads (no unsubscribe).
  virtual void watch(Watcher watcher) = 0;

  // Writes the canary's status (the status subresource): Conflict when `resourceVersion` is not
  // the stored one, NotFound when the canary is gone. Returns the new resourceVersion. Write-
  // through: once it returns, getCanary() answers the written status (a watch-backed cache
  // applies its own successful writes at once rather than waiting for the watch event).
  virtual Result<std::string> updateStatus(const std::string& ns, const std::string& name,
                                           const std::string& resourceVersion, const api::CanaryStatus& status) = 0;
  // Replaces the canary's finalizers (same concurrency rules). A canary whose deletion is pending
  // and whose last finalizer is removed is deleted.
  virtual Result<std::string> setFinalizers(const std::string& ns, const std::string& name,
                                            const std::string& resourceVersion,
                                            std::vector<std::string> finalizers) = 0;
  // Removes `keys` from the canary's annotations (same concurrency rules): how the runtime
  // consumes a manual action asked for through the annotation `aviary.dev/action`
  // (controller/manual.h). Default: an error, for stores whose canaries cannot be written.
  virtual Result<std::string> removeAnnotations(const std::string& ns, const std::string& name,
                                                const std::string& resourceVersion,
                                                const std::vector<std::string>& keys) {
    return makeError(ErrorCode::Invalid, "this platform's store cannot write a canary's annotations");
  }
};

class Platform {
 public:
  virtual ~Platform() = default;

  virtual Store& store() = 0;
  // Where the engine's events go (and where `aviary status` reads them back from).
  virtual controller::EventSink& events() = 0;
  // MetricTemplate and AlertProvider `secretRef`s resolve here.
  virtual metrics::SecretSourcePtr secrets() = 0;

  // The Target for the canary's targetRef and the Router for `provider` (spec.provider or the
  // global mesh provider). Called once per canary (again when targetRef or provider change); the
  // runtime owns the result and calls it from that canary's ticks only. Error → the canary is
  // not ticked and the error is logged and reported as a Warning event.
  virtual Result<std::unique_ptr<controller::Target>> makeTarget(const api::Canary& canary) = 0;
  virtual Result<std::unique_ptr<router::Router>> makeRouter(const api::Canary& canary, const std::string& provider) = 0;

  // The canary (its last known version) is gone from the store: collect what the platform
  // created for it (primary workload, services, routes), as Kubernetes' owner-reference garbage
  // collection does. Called once, after its last tick, while the Target and Router made for it
  // still exist (they are destroyed right after).
  virtual void forget(const api::Canary& canary) {}
};

}  // namespace aviary::platform
