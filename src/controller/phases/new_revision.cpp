// Change detection and the start/restart of an analysis (Flagger §4.3, §4.4, §4.5).
#include <fmt/format.h>

#include "controller/tick.h"

namespace aviary::controller::phases {

using api::Phase;

namespace {
bool isOneOf(Phase p, std::initializer_list<Phase> set) {
  for (auto s : set) {
    if (p == s) return true;
  }
  return false;
}
}  // namespace

Result<bool> hasChanged(Tick& t) {
  auto rev = t.rt.target->revision(t.canary);
  if (!rev) return rev.error();
  if (t.read.lastAppliedSpec.empty()) return true;
  // A revert to the revision already in primary never starts an analysis.
  if (*rev != t.read.lastPromotedSpec && *rev != t.read.lastAppliedSpec) return true;
  auto cfg = t.rt.target->configs(t.canary);
  if (!cfg) return cfg.error();
  const auto& tracked = t.read.trackedConfigs;
  if (cfg->empty() && tracked.empty()) return false;
  return *cfg != tracked;
}

bool shouldAdvance(Tick& t) {
  if (isOneOf(t.read.phase,
              {Phase::Progressing, Phase::Waiting, Phase::WaitingPromotion, Phase::Promoting, Phase::Finalising})) {
    return true;
  }
  if (t.read.phase == Phase::Failed) {
    // Refreshes lastAppliedSpec to the current target while Failed; the comparison below still
    // uses the values read, so a change is detected exactly once.
    const auto& s = t.rt.status;
    auto st = t.sync(Phase::Failed, s.canaryWeight, s.failedChecks, s.iterations);
    if (!st) {
      t.warning(st.error().message);
      return false;
    }
  }
  auto changed = hasChanged(t);
  if (!changed) {
    t.warning(changed.error().message);
    return false;
  }
  return *changed;
}

bool checkCanaryStatus(Tick& t) {
  if (isOneOf(t.read.phase, {Phase::Progressing, Phase::WaitingPromotion, Phase::Promoting, Phase::Finalising})) {
    return true;
  }
  if (!t.confirmRolloutHooks()) return false;
  t.normal(fmt::format("New revision detected! Scaling up {}.{}", t.targetName(), t.ns()), Phase::Progressing);
  t.alert("New revision detected, progressing canary analysis.", true, notifier::Severity::Info);
  const auto& c = t.canary;
  if (c.spec.autoscalerRef) {
    auto st = t.rt.target->resumeTargetScaler(c);
    if (!st) {
      t.warning(st.error().message);
      return false;
    }
  }
  auto st = t.rt.target->scaleFromZero(c);
  if (!st) {
    t.warning(st.error().message);
    return false;
  }
  (void)t.sync(Phase::Progressing, 0, 0, 0);  // Flagger only logs this error
  return false;
}

bool restartOnNewRevision(Tick& t) {
  if (t.read.phase != Phase::Progressing && t.read.phase != Phase::WaitingPromotion) return false;
  auto changed = hasChanged(t);
  if (!changed || !*changed) return false;
  t.normal(fmt::format("New revision detected! Restarting analysis for {}.{}", t.targetName(), t.ns()));
  if (!t.setRoutes(router::Weights::allPrimary(), router::Mirror::No)) return true;
  auto st = t.sync(Phase::Progressing, 0, 0, 0);
  if (!st) t.warning(st.error().message);
  return true;
}

}  // namespace aviary::controller::phases
