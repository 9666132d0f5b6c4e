// Manual actions (controller/manual.h, docs/operations.md), applied at the start of a tick, before
// Flagger's steps: an action ends the tick (pause, abort, promote), or changes what the rest of
// the tick sees (resume, retry).
#include <fmt/format.h>

#include "controller/gofmt.h"
#include "controller/manual.h"
#include "controller/tick.h"

namespace aviary::controller::phases {

using api::Phase;

namespace {

std::string requestedBy(const ManualAction& a) {
  return a.user.empty() ? "requested by an unknown user" : "requested by " + a.user;
}

void clearPause(Tick& t) {
  if (isPaused(t.rt.status)) setPaused(t.rt.status, false, "", rfc3339(t.deps.clock->now()));
}

// Finishes the analysis now: the template is copied to the primary and the canary goes to
// Promoting, from where Flagger's own steps route the traffic back and scale the canary down.
// The status is synced with the current revision (a promote from Waiting has not recorded it yet),
// so that the promoted revision is not taken for a new one afterwards.
bool promoteNow(Tick& t, const ManualAction& a) {
  if (!a.skipAnalysis && !t.confirmPromotionHooks()) {
    t.warning(
        fmt::format("Manual promotion of {}.{} ({}) held by the confirm-promotion gate; promote "
                    "--skip-analysis overrides it",
                    t.name(), t.ns(), requestedBy(a)));
    return true;
  }
  clearPause(t);
  t.normal(fmt::format("Manual promotion of {}.{}{} ({})", t.name(), t.ns(), a.skipAnalysis ? ", analysis skipped" : "",
                       requestedBy(a)));
  t.normal(fmt::format("Copying {}.{} template spec to {}-primary.{}", t.targetName(), t.ns(), t.targetName(), t.ns()));
  auto st = t.rt.target->promote(t.canary);
  if (!st) {
    t.warning(st.error().message);
    return true;
  }
  const auto& s = t.rt.status;
  st = t.sync(Phase::Promoting, s.canaryWeight, s.failedChecks, s.iterations);
  if (!st) t.warning(st.error().message);
  return true;
}

}  // namespace

bool manual(Tick& t, const ManualAction& a) {
  const auto d = decide(a, t.read.phase, isPaused(t.rt.status));
  if (!d.applies) {
    t.warning(fmt::format("Manual {} of {}.{} ({}) refused: {}", formatAction(a), t.name(), t.ns(), requestedBy(a),
                          d.reason));
    return false;
  }
  const std::string now = rfc3339(t.deps.clock->now());
  switch (a.verb) {
    case ManualVerb::Pause:
      setPaused(t.rt.status, true, fmt::format("Paused at canary weight {} ({})", t.read.canaryWeight, requestedBy(a)),
                now);
      t.rt.status.lastTransitionTime = now;
      t.normal(
          fmt::format("Paused {}.{} at canary weight {} ({})", t.name(), t.ns(), t.read.canaryWeight, requestedBy(a)));
      return true;
    case ManualVerb::Resume:
      clearPause(t);
      t.rt.status.lastTransitionTime = now;
      t.normal(fmt::format("Resumed {}.{} ({})", t.name(), t.ns(), requestedBy(a)));
      return false;
    case ManualVerb::Abort:
      clearPause(t);
      t.warning(fmt::format("Rolling back {}.{}: aborted manually ({})", t.name(), t.ns(), requestedBy(a)));
      t.alert("Rolling back: aborted manually, " + requestedBy(a), false, notifier::Severity::Warn);
      rollback(t);
      return true;
    case ManualVerb::Promote:
      return promoteNow(t, a);
    case ManualVerb::Retry:
      // Forgetting the revision read makes the rest of this tick take it for a new one: the
      // confirm-rollout gate, "New revision detected", scale-up and a fresh analysis, as Flagger.
      t.normal(fmt::format("Retrying the analysis of {}.{} ({})", t.name(), t.ns(), requestedBy(a)));
      t.read.lastAppliedSpec.clear();
      t.readChanged();
      return false;
  }
  return false;
}

}  // namespace aviary::controller::phases
