#pragma once
// Flagger's webhook transport rules shared by the real and the scripted callers (§6.1):
// go-retryablehttp v0.7 retry decisions, backoff, timeouts and error texts.
#include <chrono>
#include <string>
#include <string_view>

#include "common/duration.h"
#include "common/result.h"

namespace aviary::webhooks {

// Success criterion: final status <= 202 (Flagger, not "2xx").
inline bool isSuccess(long status) { return status > 0 && status <= 202; }

// go-retryablehttp's DefaultRetryPolicy on a received status: 429, 0 and 5xx except 501.
inline bool isRetryableStatus(long status) {
  return status == 0 || status == 429 || (status >= 500 && status != 501);
}

// Backoff before retry number `attempt` (0-based): 1s * 2^attempt capped at 30s, or the
// Retry-After seconds on 429/503 when the server sent a valid one (retryAfterSeconds >= 0).
Duration backoff(int attempt, long status, long retryAfterSeconds);

// The per-attempt timeout: a string shorter than 2 characters becomes 10s (for `event` hooks only
// the empty string is defaulted). Parse errors read like Go's: `time: invalid duration "x"`.
Result<Duration> hookTimeout(const std::string& text, bool eventHook);

// "POST <url> giving up after N attempt(s)" (+ ": <cause>" when cause is non-empty), with any URL
// password redacted as go-retryablehttp does.
std::string givingUp(const std::string& url, int attempts, std::string_view cause);

// The URL with the password of its userinfo replaced by "xxxxx".
std::string redactUrl(const std::string& url);

}  // namespace aviary::webhooks
