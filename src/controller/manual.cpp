#include "controller/manual.h"

#include <algorithm>

#include <fmt/format.h>

namespace aviary::controller {

using api::Phase;

namespace {

constexpr const char* kSkipFlag = "--skip-analysis";

bool analysisRunning(Phase p) {
  return p == Phase::Progressing || p == Phase::Waiting || p == Phase::WaitingPromotion;
}

std::string phaseName(Phase p) {
  const std::string s = api::toString(p);
  return s.empty() ? "not initialized" : s;
}

// Why nothing can be done in `p`, worded for the person who asked.
std::string notRunning(ManualVerb v, Phase p) {
  const std::string phase = phaseName(p);
  if (p == Phase::Promoting || p == Phase::Finalising) {
    return fmt::format("cannot {}: the canary is {}, its promotion is already under way", toString(v), phase);
  }
  return fmt::format(
      "cannot {}: the canary is {}, no analysis is running (applies to Progressing, Waiting or "
      "WaitingPromotion)",
      toString(v), phase);
}

}  // namespace

const char* toString(ManualVerb v) {
  switch (v) {
    case ManualVerb::Promote:
      return "promote";
    case ManualVerb::Abort:
      return "abort";
    case ManualVerb::Pause:
      return "pause";
    case ManualVerb::Resume:
      return "resume";
    case ManualVerb::Retry:
      return "retry";
  }
  return "?";
}

std::optional<ManualVerb> parseVerb(std::string_view s) {
  for (auto v : {ManualVerb::Promote, ManualVerb::Abort, ManualVerb::Pause, ManualVerb::Resume, ManualVerb::Retry}) {
    if (s == toString(v)) return v;
  }
  return std::nullopt;
}

std::string formatAction(const ManualAction& action) {
  std::string out = toString(action.verb);
  if (action.verb == ManualVerb::Promote && action.skipAnalysis) out += std::string(" ") + kSkipFlag;
  return out;
}

Result<ManualAction> actionFromAnnotations(const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(kActionAnnotation);
  if (it == annotations.end()) return makeError(ErrorCode::NotFound, std::string(kActionAnnotation) + ": absent");
  std::string_view value = it->second;
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  ManualAction a;
  std::string_view verb = value;
  if (const auto sp = value.find(' '); sp != std::string_view::npos) {
    verb = value.substr(0, sp);
    std::string_view rest = value.substr(sp + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (verb != "promote" || rest != kSkipFlag) verb = {};  // only promote takes a flag
    a.skipAnalysis = true;
  }
  auto v = parseVerb(verb);
  if (!v) {
    return makeError(ErrorCode::Invalid,
                     fmt::format("metadata.annotations[{}]: expected one of promote, promote --skip-analysis, abort, "
                                 "pause, resume, retry, found \"{}\"",
                                 kActionAnnotation, it->second));
  }
  a.verb = *v;
  if (auto by = annotations.find(kActionByAnnotation); by != annotations.end()) a.user = by->second;
  if (auto at = annotations.find(kActionAtAnnotation); at != annotations.end()) a.time = at->second;
  return a;
}

bool isPaused(const api::CanaryStatus& status) {
  return std::any_of(status.conditions.begin(), status.conditions.end(),
                     [](const api::Condition& c) { return c.type == kPausedCondition && c.status == "True"; });
}

void setPaused(api::CanaryStatus& status, bool paused, const std::string& message, const std::string& now) {
  auto& cs = status.conditions;
  cs.erase(std::remove_if(cs.begin(), cs.end(), [](const api::Condition& c) { return c.type == kPausedCondition; }),
           cs.end());
  if (!paused) return;
  api::Condition c;
  c.type = kPausedCondition;
  c.status = "True";
  c.reason = "ManualPause";
  c.message = message;
  c.lastUpdateTime = now;
  c.lastTransitionTime = now;
  cs.push_back(std::move(c));
}

ManualDecision decide(const ManualAction& action, Phase phase, bool paused) {
  const auto refuse = [](std::string why) { return ManualDecision{false, std::move(why)}; };
  switch (action.verb) {
    case ManualVerb::Promote:
      if (!analysisRunning(phase)) return refuse(notRunning(action.verb, phase));
      if (phase == Phase::Waiting && !action.skipAnalysis) {
        return refuse(
            "cannot promote: the canary is Waiting at its confirm-rollout gate, no analysis has started; open the "
            "gate, or promote --skip-analysis to promote without analysis");
      }
      return {true, ""};
    case ManualVerb::Abort:
      if (!analysisRunning(phase)) return refuse(notRunning(action.verb, phase));
      return {true, ""};
    case ManualVerb::Pause:
      if (paused) return refuse("cannot pause: the canary is already paused");
      if (!analysisRunning(phase)) return refuse(notRunning(action.verb, phase));
      return {true, ""};
    case ManualVerb::Resume:
      if (!paused) return refuse("cannot resume: the canary is not paused");
      return {true, ""};
    case ManualVerb::Retry:
      if (phase != Phase::Failed) {
        return refuse(fmt::format(
            "cannot retry: the canary is {}; retry starts the analysis of a Failed revision again", phaseName(phase)));
      }
      return {true, ""};
  }
  return refuse("unknown action");
}

}  // namespace aviary::controller
