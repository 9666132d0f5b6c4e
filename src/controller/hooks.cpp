// Webhook gates and notifications by hook type (Flagger §6.2, scheduler_hooks.go).
#include <fmt/format.h>

#include "controller/tick.h"

namespace aviary::controller {

using api::HookType;
using api::Phase;
using notifier::Severity;

bool Tick::confirmRolloutHooks() {
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != HookType::ConfirmRollout) continue;
    auto st = callHook(hook, read.phase);
    if (!st) {
      if (read.phase != Phase::Waiting) {
        writer().setPhase(Phase::Waiting);
        warning(fmt::format("Halt {}.{} advancement waiting for approval {}", name(), ns(), hook.name));
        if (!hook.muteAlert) alert("Canary is waiting for approval.", false, Severity::Warn);
      }
      return false;
    }
    normal(fmt::format("Confirm-rollout check {} passed", hook.name));
  }
  return true;
}

bool Tick::preRolloutHooks() {
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != HookType::PreRollout) continue;
    auto st = callHook(hook, Phase::Progressing);
    if (!st) {
      warning(fmt::format("Halt {}.{} advancement pre-rollout check {} failed {}", name(), ns(), hook.name,
                          st.error().message));
      return false;
    }
    normal(fmt::format("Pre-rollout check {} passed", hook.name));
  }
  return true;
}

bool Tick::rolloutHooks() {
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != HookType::Rollout) continue;
    auto st = callHook(hook, Phase::Progressing);
    if (!st) {
      warning(fmt::format("Halt {}.{} advancement external check {} failed {}", name(), ns(), hook.name,
                          st.error().message));
      return false;
    }
  }
  return true;
}

bool Tick::confirmTrafficIncreaseHooks() {
  if (read.phase == Phase::Promoting || read.phase == Phase::WaitingPromotion || read.phase == Phase::Finalising) {
    return true;
  }
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != HookType::ConfirmTrafficIncrease) continue;
    auto st = callHook(hook, Phase::Progressing);
    if (!st) {
      warning(fmt::format("Halt {}.{} advancement waiting for traffic increase approval {}", name(), ns(), hook.name));
      if (!hook.muteAlert) alert("Canary traffic increase is waiting for approval.", false, Severity::Warn);
      return false;
    }
    normal(fmt::format("Confirm-traffic-increase check {} passed", hook.name));
  }
  return true;
}

bool Tick::confirmPromotionHooks() {
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != HookType::ConfirmPromotion) continue;
    auto st = callHook(hook, Phase::Progressing);
    if (!st) {
      if (read.phase != Phase::WaitingPromotion) {
        writer().setPhase(Phase::WaitingPromotion);
        warning(fmt::format("Halt {}.{} advancement waiting for promotion approval {}", name(), ns(), hook.name));
        if (!hook.muteAlert) alert("Canary promotion is waiting for approval.", false, Severity::Warn);
      } else {
        writer().setIterations(iterationsSpec() - 1);
      }
      return false;
    }
    normal(fmt::format("Confirm-promotion check {} passed", hook.name));
  }
  return true;
}

void Tick::postRolloutHooks(Phase outcome, std::optional<Phase> eventPhase) {
  for (const auto& hook : analysis.webhooks) {
    if (hook.type != HookType::PostRollout) continue;
    auto st = callHook(hook, outcome);
    if (!st) {
      warning(fmt::format("Post-rollout hook {} failed {}", hook.name, st.error().message), eventPhase);
      return;
    }
    normal(fmt::format("Post-rollout check {} passed", hook.name), eventPhase);
  }
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
