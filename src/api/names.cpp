#include "api/canary.h"

namespace aviary::api {

const char* toString(HookType t) {
  switch (t) {
    case HookType::Rollout: return "rollout";
    case HookType::PreRollout: return "pre-rollout";
    case HookType::PostRollout: return "post-rollout";
    case HookType::ConfirmRollout: return "confirm-rollout";
    case HookType::ConfirmPromotion: return "confirm-promotion";
    case HookType::ConfirmTrafficIncrease: return "confirm-traffic-increase";
    case HookType::Rollback: return "rollback";
    case HookType::Event: return "event";
  }
  return "rollout";
}

std::optional<HookType> parseHookType(const std::string& s) {
  if (s.empty() || s == "rollout") return HookType::Rollout;
  for (auto t : {HookType::PreRollout, HookType::PostRollout, HookType::ConfirmRollout, HookType::ConfirmPromotion,
                 HookType::ConfirmTrafficIncrease, HookType::Rollback, HookType::Event}) {
    if (s == toString(t)) return t;
  }
  return std::nullopt;
}

const char* toString(Phase p) {
  switch (p) {
    case Phase::None: return "";
    case Phase::Initializing: return "Initializing";
    case Phase::Initialized: return "Initialized";
    case Phase::Waiting: return "Waiting";
    case Phase::Progressing: return "Progressing";
    case Phase::WaitingPromotion: return "WaitingPromotion";
    case Phase::Promoting: return "Promoting";
    case Phase::Finalising: return "Finalising";
    case Phase::Succeeded: return "Succeeded";
    case Phase::Failed: return "Failed";
    case Phase::Terminating: return "Terminating";
    case Phase::Terminated: return "Terminated";
  }
  return "";
}

std::optional<Phase> parsePhase(const std::string& s) {
  for (int i = 0; i <= static_cast<int>(Phase::Terminated); ++i) {
    auto p = static_cast<Phase>(i);
    if (s == toString(p)) return p;
  }
  return std::nullopt;
}

}  // namespace aviary::api
