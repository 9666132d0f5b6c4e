#pragma once
// The engine's view of the workload under rollout (Flagger's canary.Controller + ScalerReconciler
// + config Tracker), one instance per canary. Implementations: MemoryTarget (memory_target.h,
// tests and `aviary simulate`) and the platforms' targets (local processes, Kubernetes).
// All calls are made from the canary's tick, never concurrently for the same canary.
#include <map>
#include <string>

#include "api/canary.h"
#include "common/result.h"

namespace aviary::controller {

// The answer of a readiness check (Flagger's (retriable, error) pair).
struct Readiness {
  enum class State {
    Ready,
    Waiting,  // not ready yet: the tick ends with a warning event and is retried
    Failed,   // not ready and past the progress deadline: the engine rolls back
  };
  State state = State::Ready;
  std::string message;  // the full event text when not ready, e.g.
                        // "canary deployment podinfo.test not ready: waiting for rollout to finish: ..."

  static Readiness ready() { return {}; }
  static Readiness waiting(std::string m) { return {State::Waiting, std::move(m)}; }
  static Readiness failed(std::string m) { return {State::Failed, std::move(m)}; }
  bool isReady() const { return state == State::Ready; }
};

// Config objects the target references (ConfigMaps/Secrets), key "configmap/<name>" or
// "secret/<name>" → checksum (Flagger §10.4). Empty when the target kind tracks nothing.
using ConfigChecksums = std::map<std::string, std::string>;

class Target {
 public:
  virtual ~Target() = default;

  // The revision fingerprint of the target's current spec (Flagger's spec hash, §4.3): equal
  // strings mean the same revision. Error → the tick stops with a warning event.
  virtual Result<std::string> revision(const api::Canary& canary) = 0;
  // The current checksums of the tracked configs.
  virtual Result<ConfigChecksums> configs(const api::Canary& canary) = 0;

  // Creates the primary workload (and its services) when missing. When `requirePrimaryReady`,
  // also reports the primary's readiness (bootstrap). Non-ready answers carry the event text.
  virtual Readiness initialize(const api::Canary& canary, bool requirePrimaryReady) = 0;
  virtual Readiness isPrimaryReady(const api::Canary& canary) = 0;
  virtual Readiness isCanaryReady(const api::Canary& canary) = 0;

  // Copies the target's spec to the primary (starts the primary's rolling update).
  virtual Status promote(const api::Canary& canary) = 0;
  virtual Status scaleToZero(const api::Canary& canary) = 0;
  virtual Status scaleFromZero(const api::Canary& canary) = 0;

  // Autoscaler handling; only called when spec.autoscalerRef is set.
  virtual Status reconcilePrimaryScaler(const api::Canary& canary, bool init) = 0;
  virtual Status pauseTargetScaler(const api::Canary& canary) = 0;
  virtual Status resumeTargetScaler(const api::Canary& canary) = 0;

  // revertOnDeletion (flagger-scheduler.md §2.5 step 4): gives the target back as many replicas
  // as the primary has (or scales it from zero when there is no primary), so that it can serve
  // again once the canary and its primary are gone. The caller then waits for isCanaryReady.
  virtual Status revert(const api::Canary& canary) = 0;
};

}  // namespace aviary::controller
