// Steps 7-14 of a tick (Flagger §4.2): bootstrap while the phase is ""/Initializing, and the
// per-tick reconciliation of the primary and the routes in every phase.
#include <fmt/format.h>

#include "controller/tick.h"

namespace aviary::controller::phases {

using api::Phase;

bool initialize(Tick& t) {
  const bool initializing = t.read.phase == Phase::None || t.read.phase == Phase::Initializing;
  const auto& c = t.canary;
  if (!t.skip && initializing) {
    auto st = t.deps.checker->checkProviders(c);
    if (st) {
      t.normal("all the metrics providers are available!");
    } else {
      t.warning("Error checking metric providers: " + st.error().message);
    }
  }

  auto ready = t.rt.target->initialize(c, initializing && !t.skip);
  if (!ready.isReady()) {
    t.warning(ready.message);
    if (ready.state == Readiness::State::Failed) rollback(t);
    return false;
  }
  if (c.spec.autoscalerRef) {
    auto st = t.rt.target->reconcilePrimaryScaler(c, true);
    if (st && initializing) st = t.rt.target->pauseTargetScaler(c);
    if (!st) {
      t.warning(st.error().message);
      return false;
    }
  }
  if (initializing) {
    auto st = t.rt.target->scaleToZero(c);
    if (!st) {
      t.warning(fmt::format("scaling down canary {} {}.{} failed: {}", c.spec.targetRef.kind, t.targetName(), t.ns(),
                            st.error().message));
      return false;
    }
  }
  auto st = t.rt.router->reconcile(c);
  if (!st) {
    t.warning(st.error().message);
    return false;
  }
  if (initializing) {
    auto synced = t.sync(Phase::Initialized, 0, 0, 0);
    if (!synced) {
      t.warning(fmt::format("failed to sync canary {}.{} status: {}", t.name(), t.ns(), synced.error().message));
      return false;
    }
    // Flagger copies the freshly written hashes into the object the rest of the tick reads.
    t.read.lastAppliedSpec = t.rt.status.lastAppliedSpec;
    t.read.trackedConfigs = t.rt.status.trackedConfigs;
    t.readChanged();
    t.normal(fmt::format("Initialization done! {}.{}", t.name(), t.ns()), Phase::Initialized);
    t.alert(fmt::format("New {} detected, initialization completed.", c.spec.targetRef.kind), true,
            notifier::Severity::Info);
  }
  return true;
}

}  // namespace aviary::controller::phases
