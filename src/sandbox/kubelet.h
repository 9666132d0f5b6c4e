#pragma once
// The sandbox's stand-in for the kubelet and the Deployment/DaemonSet controllers: there are no
// pods, but after every write to a Deployment or DaemonSet it writes, through the status
// subresource, the status those controllers write once the pods are ready (observedGeneration,
// replicas, updatedReplicas, readyReplicas, availableReplicas, the Available and Progressing
// conditions). The annotation `sandbox.aviary.dev/hold-unready: "true"` keeps a workload's pods
// unready (readyReplicas 0, Available False) until it is removed: how a test makes a canary
// fail its readiness check.
// Runs one thread; writes go through the Store, so watches see them like any other write.
#include <condition_variable>
#include <deque>
#include <mutex>
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

  // The status a workload of this kind gets (exposed for tests); `current` keeps condition times
  // that did not change.
  static Json desiredStatus(const Json& workload, const Json& current, const std::string& now);

 private:
  void run();
  void reconcile(const std::string& gr, const std::string& ns, const std::string& name);

  Store& store_;
  Registry& registry_;
  const Clock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::tuple<std::string, std::string, std::string>> queue_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace aviary::sandbox
