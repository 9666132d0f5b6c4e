// Webhook gates and notifications by hook type (Flagger §6.2, scheduler_hooks.go).
#include <fmt/format.h>

#include "controller/tick.h"

namespace aviary::controller {

using api::HookType;
using api::Phase;
using notifier::Severity;

// Calls the hooks of `type` in list order until one fails. Each success emits `passed` (a format
// taking the hook name; none when empty) with `eventPhase`. Returns the failing hook (its error in
// `error`), or nullptr when all passed.
const api::CanaryWebhook* Tick::firstFailingHook(HookType type, Phase payloadPhase, std::string_view passed,
                                                 std::optional<Phase> eventPhase, Status& error) {
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != type) continue;
    error = callHook(hook, payloadPhase);
    if (!error) return &hook;
    if (!passed.empty()) normal(fmt::format(fmt::runtime(passed), hook.name), eventPhase);
  }
  return nullptr;
}

bool Tick::confirmRolloutHooks() {
  Status err;
  const auto* hook = firstFailingHook(HookType::ConfirmRollout, read.phase, "Confirm-rollout check {} passed", {}, err);
  if (!hook) return true;
  if (read.phase != Phase::Waiting) {
    writer().setPhase(Phase::Waiting);
    warning(fmt::format("Halt {}.{} advancement waiting for approval {}", name(), ns(), hook->name));
    if (!hook->muteAlert) alert("Canary is waiting for approval.", false, Severity::Warn);
  }
  return false;
}

bool Tick::preRolloutHooks() {
  Status err;
  const auto* hook = firstFailingHook(HookType::PreRollout, Phase::Progressing, "Pre-rollout check {} passed", {}, err);
  if (!hook) return true;
  warning(fmt::format("Halt {}.{} advancement pre-rollout check {} failed {}", name(), ns(), hook->name,
                      err.error().message));
  return false;
}

bool Tick::rolloutHooks() {
  Status err;
  const auto* hook = firstFailingHook(HookType::Rollout, Phase::Progressing, {}, {}, err);
  if (!hook) return true;
  warning(fmt::format("Halt {}.{} advancement external check {} failed {}", name(), ns(), hook->name,
                      err.error().message));
  return false;
}

bool Tick::confirmTrafficIncreaseHooks() {
  if (read.phase == Phase::Promoting || read.phase == Phase::WaitingPromotion || read.phase == Phase::Finalising) {
    return true;
  }
  Status err;
  const auto* hook = firstFailingHook(HookType::ConfirmTrafficIncrease, Phase::Progressing,
                                      "Confirm-traffic-increase check {} passed", {}, err);
  if (!hook) return true;
  warning(fmt::format("Halt {}.{} advancement waiting for traffic increase approval {}", name(), ns(), hook->name));
  if (!hook->muteAlert) alert("Canary traffic increase is waiting for approval.", false, Severity::Warn);
  return false;
}

bool Tick::confirmPromotionHooks() {
  Status err;
  const auto* hook = firstFailingHook(HookType::ConfirmPromotion, Phase::Progressing,
                                      "Confirm-promotion check {} passed", {}, err);
  if (!hook) return true;
  if (read.phase != Phase::WaitingPromotion) {
    writer().setPhase(Phase::WaitingPromotion);
    warning(fmt::format("Halt {}.{} advancement waiting for promotion approval {}", name(), ns(), hook->name));
    if (!hook->muteAlert) alert("Canary promotion is waiting for approval.", false, Severity::Warn);
  } else {
    writer().setIterations(iterationsSpec() - 1);
  }
  return false;
}

void Tick::postRolloutHooks(Phase outcome, std::optional<Phase> eventPhase) {
  Status err;
  const auto* hook = firstFailingHook(HookType::PostRollout, outcome, "Post-rollout check {} passed", eventPhase, err);
  if (hook) warning(fmt::format("Post-rollout hook {} failed {}", hook->name, err.error().message), eventPhase);
}

bool Tick::rollbackHooks() {
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != HookType::Rollback) continue;
    auto st = callHook(hook, read.phase);
    if (st) {
      // Inverted sense: a successful call asks for a rollback.
      warning(fmt::format("Rollback check {} passed", hook.name));
      return true;
    }
    normal(fmt::format("Rollback hook {} not signaling a rollback", hook.name));
  }
  return false;
}

}  // namespace aviary::controller
