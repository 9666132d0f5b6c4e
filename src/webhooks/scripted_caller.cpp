#include "webhooks/scripted_caller.h"

#include "webhooks/retry_policy.h"

namespace aviary::webhooks {

std::string ScriptedAnswer::toString() const { return kind == Kind::Timeout ? "timeout" : std::to_string(status); }

Status ScriptedWebhookCaller::call(const api::CanaryWebhook& hook, const Payload& payload) {
  auto it = answers_.find(hook.name);
  if (it == answers_.end()) it = answers_.find("default");
  const ScriptedAnswer answer = it->second;
  Status result = okStatus();
  auto timeout = hookTimeout(hook.timeout, hook.type == api::HookType::Event);
  const int attempts = 1 + std::max<int32_t>(0, hook.retries);
  if (!timeout) {
    result = timeout.error();
  } else if (answer.kind == ScriptedAnswer::Kind::Timeout) {
    // What Go's client reports when the per-attempt timeout fires before the response headers.
    result = makeError(ErrorCode::Timeout,
                       givingUp(hook.url, attempts,
                                "Post \"" + hook.url +
                                    "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
  } else if (isRetryableStatus(answer.status)) {
    result = makeError(ErrorCode::Unavailable, givingUp(hook.url, attempts, {}));
  } else if (!isSuccess(answer.status)) {
    result = makeError(ErrorCode::Unavailable, answer.body);
  }
  if (recording_) {
    calls_.push_back({hook.name, hook.type, payload, answer.toString(), result.ok(),
                      result.ok() ? std::string() : result.error().message});
  }
  return result;
}

}  // namespace aviary::webhooks
