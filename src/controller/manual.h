#pragma once
// Manual control of a rollout (`aviary promote|abort|pause|resume|retry`, docs/operations.md):
// the actions, their wire forms, and the one pure rule deciding per phase whether an action
// applies. The engine applies an accepted action at the start of a tick
// (controller/phases/manual.cpp); the CLI and the runtime call `decide` first so that a refusal
// reaches the user as a clear message before anything is written.
//
// Where an action comes from: the local platform's admin endpoint (runtime/status_server.h) or,
// on Kubernetes, the annotation kActionAnnotation on the Canary, consumed and cleared by the
// runtime. Whether a canary is paused is kept in its status, as a condition of type "Paused"
// next to Flagger's "Promoted" one, so that it survives restarts on both platforms and shows in
// `kubectl describe canary`.
#include <optional>
#include <string>
#include <string_view>

#include "api/canary.h"
#include "common/clock.h"
#include "common/result.h"

namespace aviary::controller {

enum class ManualVerb { Promote, Abort, Pause, Resume, Retry };
const char* toString(ManualVerb v);  // "promote" | "abort" | "pause" | "resume" | "retry"
std::optional<ManualVerb> parseVerb(std::string_view s);

struct ManualAction {
  ManualVerb verb = ManualVerb::Promote;
  // promote only: promote even though the confirm-promotion gate is closed, and without the
  // remaining analysis (from Waiting too, before the canary was scaled up).
  bool skipAnalysis = false;
  std::string user;  // who asked, as the channel tells it ("" = unknown)
  std::string time;  // when, RFC3339 ("" = unknown)
};

// The annotations of the Kubernetes channel. kActionAnnotation holds "VERB" or
// "promote --skip-analysis"; kActionByAnnotation and kActionAtAnnotation say who asked and when
// (written by `aviary promote` etc.; a bare `kubectl annotate` leaves them out).
inline constexpr const char* kActionAnnotation = "aviary.dev/action";
inline constexpr const char* kActionByAnnotation = "aviary.dev/action-by";
inline constexpr const char* kActionAtAnnotation = "aviary.dev/action-at";

// The value of kActionAnnotation for `action`.
std::string formatAction(const ManualAction& action);
// Parses kActionAnnotation's value (and takes user and time from the other two annotations).
// Invalid: `aviary.dev/action: expected one of promote, promote --skip-analysis, abort, pause,
// resume, retry, found "…"`.
Result<ManualAction> actionFromAnnotations(const std::map<std::string, std::string>& annotations);

// The condition type that marks a paused canary (status "True").
inline constexpr const char* kPausedCondition = "Paused";
bool isPaused(const api::CanaryStatus& status);
// Adds (or replaces) the Paused condition, or removes it when `paused` is false.
void setPaused(api::CanaryStatus& status, bool paused, const std::string& message, const std::string& now);

struct ManualDecision {
  bool applies = false;
  std::string reason;  // why it is refused (empty when it applies)
};

// Whether `action` applies to a canary in `phase` (paused or not). Pure; the rule table is in
// docs/operations.md:
//   promote  Progressing, Waiting, WaitingPromotion (from Waiting only with --skip-analysis)
//   abort    Progressing, Waiting, WaitingPromotion
//   pause    Progressing, Waiting, WaitingPromotion, when not paused
//   resume   when paused
//   retry    Failed
ManualDecision decide(const ManualAction& action, api::Phase phase, bool paused);

}  // namespace aviary::controller
