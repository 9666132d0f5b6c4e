#include "controller/engine.h"

#include <fmt/format.h>

#include "common/log.h"
#include "controller/spec_hash.h"
#include "controller/tick.h"

namespace aviary::controller {

using api::Phase;

const char* toString(EventType t) { return t == EventType::Normal ? "Normal" : "Warning"; }

namespace {
const api::CanaryAnalysis& emptyAnalysis() {
  static const api::CanaryAnalysis kEmpty;
  return kEmpty;
}
}  // namespace

void Engine::tick(CanaryRuntime& canary) const {
  Tick t(deps_, options_, canary);
  t.run();
  // flagger_canary_status follows the phase the tick leaves (Flagger sets it at each transition
  // and on unchanged ticks; a suspended canary's tick touches nothing).
  if (deps_.recorder && !canary.resource->spec.suspend) deps_.recorder->setStatus(*canary.resource, canary.status.phase);
}

std::string deploymentStrategy(const api::Canary& canary) {
  const auto& a = canary.spec.analysis;
  if (a && !a->match.empty()) return "ab-testing";
  if (a && a->iterations.value_or(0) > 0) return "blue-green";
  return "canary";
}

Tick::Tick(const EngineDeps& d, const EngineOptions& o, CanaryRuntime& r)
    : deps(d),
      options(o),
      rt(r),
      canary(*r.resource),
      analysis(r.resource->spec.analysis ? *r.resource->spec.analysis : emptyAnalysis()) {
  const auto& st = rt.status;
  read.phase = st.phase;
  read.failedChecks = st.failedChecks;
  read.canaryWeight = st.canaryWeight;
  read.iterations = st.iterations;
  read.lastAppliedSpec = st.lastAppliedSpec;
  read.lastPromotedSpec = st.lastPromotedSpec;
  read.trackedConfigs = st.trackedConfigs;
  provider = canary.spec.provider.empty() ? options.meshProvider : canary.spec.provider;
  skip = canary.skipAnalysis();
}

// The order of steps follows Flagger's advanceCanary (reference §4.2); each step that can end the
// tick is a phase handler returning whether to go on.
void Tick::run() {
  // The sync handler writes Initializing for a canary without conditions before its job starts.
  if (rt.status.conditions.empty()) {
    writer().setPhase(Phase::Initializing);
    read.phase = Phase::Initializing;
  }
  if (canary.spec.suspend) {
    normal("skipping canary run as object is suspended");
    return;
  }
  if (rt.action) {
    const ManualAction action = std::move(*rt.action);
    rt.action.reset();
    if (phases::manual(*this, action)) return;
  }
  // Paused (docs/operations.md): held at its weight, nothing checked, counted or detected.
  if (isPaused(rt.status)) return;
  if (!phases::initialize(*this)) return;
  if (!phases::shouldAdvance(*this)) return;

  if (!skip) {
    auto ready = rt.target->isPrimaryReady(canary);
    if (!ready.isReady()) {
      warning(ready.message);
      if (ready.state == Readiness::State::Failed) {
        if (read.phase == Phase::Promoting || read.phase == Phase::Finalising) {
          phases::failedPromotion(*this, ready.message);
        } else {
          phases::rollback(*this);
        }
      }
      return;
    }
  }

  auto got = rt.router->getRoutes(canary, rt.status);
  if (!got) {
    warning(got.error().message);
    return;
  }
  routes = *got;
  if (deps.recorder) deps.recorder->setWeight(canary, routes.weights.primary(), routes.weights.canary());

  if (!phases::checkCanaryStatus(*this)) return;
  if (phases::restartOnNewRevision(*this)) return;

  auto canaryReady = rt.target->isCanaryReady(canary);
  if (!canaryReady.isReady()) {
    warning(canaryReady.message);
    if (canaryReady.state == Readiness::State::Failed) phases::rollback(*this);
    return;
  }

  if (phases::skipAnalysis(*this)) return;

  if (read.phase == Phase::Progressing || read.phase == Phase::Waiting || read.phase == Phase::WaitingPromotion) {
    if (rollbackHooks()) {
      warning(fmt::format("Rolling back {}.{} manual webhook invoked", name(), ns()));
      alert("Rolling back manual webhook invoked", false, notifier::Severity::Warn);
      phases::rollback(*this);
      return;
    }
  }
  if (read.phase == Phase::Promoting) {
    phases::promoting(*this);
    return;
  }
  if (read.phase == Phase::Finalising) {
    phases::finalising(*this);
    return;
  }
  if ((read.phase == Phase::Progressing || read.phase == Phase::WaitingPromotion) &&
      read.failedChecks >= threshold()) {
    phases::rollback(*this);
    return;
  }
  // Step 27: from here on the tick's duration is observed.
  const auto started = deps.clock->monotonic();
  phases::progressing(*this);
  if (deps.recorder) {
    deps.recorder->observeDuration(canary, std::chrono::duration_cast<Duration>(deps.clock->monotonic() - started));
  }
}

void Tick::event(EventType type, const std::string& message, std::optional<Phase> phase) {
  const Phase p = phase.value_or(read.phase);
  const auto now = deps.clock->now();
  if (type == EventType::Normal) {
    spdlog::debug("{}.{}: {}", name(), ns(), message);
  } else {
    spdlog::debug("{}.{}: warning: {}", name(), ns(), message);
  }
  deps.events->record(canary, Event{type, message, p, now});

  // Event webhooks (§6.4): the canary's `event` hooks, else the global one.
  std::map<std::string, std::string> meta{
      {"eventMessage", message},
      {"eventType", toString(type)},
      {"timestamp",
       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count())}};
  bool any = false;
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != api::HookType::Event) continue;
    any = true;
    auto st = callHook(hook, p, &meta);
    if (!st) spdlog::warn("error sending event to webhook: {}", st.error().message);
  }
  if (!any && !options.eventWebhook.empty()) {
    api::CanaryWebhook global;
    global.name = "events";
    global.type = api::HookType::Event;
    global.url = options.eventWebhook;
    auto st = callHook(global, p, &meta);
    if (!st) spdlog::warn("error sending event to webhook: {}", st.error().message);
  }
}

void Tick::alert(const std::string& message, bool withMetadata, notifier::Severity severity) {
  deps.alerts->alert(canary, message, withMetadata, severity, deps.observer);
}

const std::string& Tick::checksum() {
  if (!checksum_) checksum_ = payloadChecksum(read.trackedConfigs, read.lastAppliedSpec);
  return *checksum_;
}

Status Tick::callHook(const api::CanaryWebhook& hook, Phase payloadPhase,
                      const std::map<std::string, std::string>* extraMetadata) {
  webhooks::Payload payload;
  payload.name = name();
  payload.namespace_ = ns();
  payload.phase = api::toString(payloadPhase);
  payload.checksum = checksum();
  if (extraMetadata) payload.metadata = *extraMetadata;
  // The reserved event keys win over the hook's own metadata (insert never overwrites).
  for (const auto& [k, v] : hook.metadata) payload.metadata.insert({k, v});
  auto st = deps.webhooks->call(hook, payload);
  if (deps.observer) deps.observer->onWebhook(hook, payload.phase, st);
  if (deps.tap) deps.tap->onWebhook(canary, hook, payload.phase, st);
  return st;
}

Status Tick::sync(Phase phase, int32_t weight, int32_t failedChecks, int32_t iterations) {
  auto rev = rt.target->revision(canary);
  if (!rev) return rev.error();
  auto cfg = rt.target->configs(canary);
  if (!cfg) return cfg.error();
  writer().sync(phase, weight, failedChecks, iterations, *rev, *cfg);
  return okStatus();
}

bool Tick::setRoutes(router::Weights w, router::Mirror m) {
  auto st = rt.router->setRoutes(canary, rt.status, w, m);
  if (!st) {
    warning(st.error().message);
    return false;
  }
  if (deps.recorder) deps.recorder->setWeight(canary, w.primary(), w.canary());
  return true;
}

}  // namespace aviary::controller
