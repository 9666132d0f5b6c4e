#pragma once
// The sandbox's stand-in for the kubelet and the Deployment/DaemonSet controllers: there are no
// pods, but after every write to a Deployment or DaemonSet it writes, through the status
// subresource, the status those controllers write once the pods are ready (observedGeneration,
// replicas, updatedReplicas, readyReplicas, availableReplicas, the Available and Progressing
// conditions). The annotation `sandbox.aviary.dev/hold-unready: "true"` keeps a workload's pods
// unready (readyReplicas 0, Available False) until it is removed: how a test makes a canary
// fail its readiness check. holdUnready() does the same from the sandbox's own process, with no
// write to the object (`aviary simulate`'s `ready:` steps: the workload's spec stays as its owner
// wrote it).
// Runs one thread; writes go through the Store, so watches see them like any other write.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/clock.h"
#include "sandbox/registry.h"
#include "sandbox/store.h"

namespace aviary::sandbox {

inline constexpr const char* kHoldUnreadyAnnotation = "sandbox.aviary.dev/hold-unready";

class Kubelet {
 public:
  // Registers itself as the store's listener and starts its thread.
  Kubelet(Store& store, Registry& registry, const Clock& clock);
  ~Kubelet();
  void stop();

  // Keeps the Deployment or DaemonSet `ns`/`name` unready (its pods held, as the annotation
  // does) or lets it be ready again, and reconciles it now. It need not exist yet.
  void holdUnready(const std::string& ns, const std::string& name, bool hold);
  // Whether every write seen so far has been reconciled (no queued or running reconcile). A
  // write's reconcile is queued before the write returns to its caller, so once the writers
  // are quiet, idle() stays true.
  bool idle() const;
  // While paused, writes are queued but not reconciled (`aviary simulate` pauses it during a
  // tick, so that pods become ready between ticks, never in the middle of one).
  void pause(bool paused);

  // The status a workload of this kind gets (exposed for tests); `current` keeps condition times
  // that did not change; `held` as the hold-unready annotation.
  static Json desiredStatus(const Json& workload, const Json& current, const std::string& now, bool held = false);

 private:
  void run();
  void reconcile(const std::string& gr, const std::string& ns, const std::string& name);

  Store& store_;
  Registry& registry_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::tuple<std::string, std::string, std::string>> queue_;
  std::set<std::pair<std::string, std::string>> held_;  // ns, name
  bool busy_ = false;                                   // a reconcile is running
  bool paused_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace aviary::sandbox
