#pragma once
// Internal to the engine: the state of one tick, shared by the phase handlers (phases/*.cpp).
// A Tick keeps a snapshot of the status as read at the start (`read`): like Flagger, decisions
// later in the tick use the values read, while writes go to the live status.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "controller/engine.h"
#include "controller/manual.h"
#include "controller/status.h"

namespace aviary::controller {

// The status fields the tick reads (a cheap copy of the parts of CanaryStatus that matter).
struct ReadStatus {
  api::Phase phase = api::Phase::None;
  int32_t failedChecks = 0;
  int32_t canaryWeight = 0;
  int32_t iterations = 0;
  std::string lastAppliedSpec;
  std::string lastPromotedSpec;
  std::map<std::string, std::string> trackedConfigs;
};

class Tick {
 public:
  Tick(const EngineDeps& deps, const EngineOptions& options, CanaryRuntime& rt);
  void run();

  // --- state ---
  const EngineDeps& deps;
  const EngineOptions& options;
  CanaryRuntime& rt;
  const api::Canary& canary;
  const api::CanaryAnalysis& analysis;  // an empty analysis when spec.analysis is absent
  ReadStatus read;
  std::string provider;           // spec.provider or the global mesh provider
  router::Routes routes;          // as read by getRoutes (step 18)
  bool skip = false;              // effective skipAnalysis
  std::optional<int32_t> iterationsOverride;

  // --- naming helpers ---
  const std::string& name() const { return canary.metadata.name; }
  const std::string& ns() const { return canary.metadata.namespace_; }
  const std::string& targetName() const { return canary.spec.targetRef.name; }
  int32_t threshold() const { return analysis.threshold <= 0 ? 1 : analysis.threshold; }
  // analysis.iterations, or the kubernetes provider's coerced value (step 29).
  int32_t iterationsSpec() const { return iterationsOverride.value_or(analysis.iterations.value_or(0)); }
  StatusWriter writer() { return StatusWriter(*deps.clock, canary, rt.status, iterationsSpec()); }

  // --- events, alerts, webhooks ---
  // Records an event (sink + event webhooks). The payload phase is `phase` or the phase read.
  void event(EventType type, const std::string& message, std::optional<api::Phase> phase = std::nullopt);
  void normal(const std::string& m, std::optional<api::Phase> p = std::nullopt) { event(EventType::Normal, m, p); }
  void warning(const std::string& m, std::optional<api::Phase> p = std::nullopt) { event(EventType::Warning, m, p); }
  void alert(const std::string& message, bool withMetadata, notifier::Severity severity);
  Status callHook(const api::CanaryWebhook& hook, api::Phase payloadPhase,
                  const std::map<std::string, std::string>* extraMetadata = nullptr);
  const std::string& checksum();
  // Call after changing `read` (the payload checksum is derived from it).
  void readChanged() { checksum_.reset(); }

  // --- status writes that re-read the target ---
  // SyncStatus with the target's current revision and configs (error: nothing written).
  Status sync(api::Phase phase, int32_t weight, int32_t failedChecks, int32_t iterations);
  bool setRoutes(router::Weights w, router::Mirror m);

  // --- hooks (hooks.cpp), Flagger §6.2 ---
  bool confirmRolloutHooks();
  bool preRolloutHooks();
  bool rolloutHooks();
  bool confirmTrafficIncreaseHooks();
  bool confirmPromotionHooks();
  void postRolloutHooks(api::Phase outcome, std::optional<api::Phase> eventPhase);
  bool rollbackHooks();  // true = a rollback hook signalled a rollback
  const api::CanaryWebhook* firstFailingHook(api::HookType type, api::Phase payloadPhase, std::string_view passed,
                                             std::optional<api::Phase> eventPhase, Status& error);

  // --- metrics (analysis.cpp), Flagger §5.3 ---
  bool metricChecks();

 private:
  std::optional<std::string> checksum_;
};

namespace phases {
// Steps 7-14: bootstrap while phase is ""/Initializing. False = the tick ends.
bool initialize(Tick& t);
// Step 15 (§4.3). False = nothing to do this tick.
bool shouldAdvance(Tick& t);
// Whether the target revision or its tracked configs differ from the status (§4.3 rule).
Result<bool> hasChanged(Tick& t);
// Step 19 (§4.4): starts a pending new revision. False = the tick ends.
bool checkCanaryStatus(Tick& t);
// Step 20 (§4.5). True = restarted, the tick ends.
bool restartOnNewRevision(Tick& t);
// Step 22 (§4.7). True = handled.
bool skipAnalysis(Tick& t);
// Step 24 (§4.14).
void promoting(Tick& t);
// Step 25.
void finalising(Tick& t);
// Steps 28-31: analysis gate and the strategies.
void progressing(Tick& t);
void runCanary(Tick& t, const api::CanaryAnalysis& analysis);
void runABTesting(Tick& t);
void runBlueGreen(Tick& t, const api::CanaryAnalysis& analysis);
// A manual action (controller/manual.h) at the start of the tick. True = the tick ends.
bool manual(Tick& t, const ManualAction& action);
// §4.16 and §4.17.
void rollback(Tick& t);
void failedPromotion(Tick& t, const std::string& error);
}  // namespace phases

}  // namespace aviary::controller
