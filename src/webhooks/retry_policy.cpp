#include "webhooks/retry_policy.h"

#include <algorithm>

namespace aviary::webhooks {

Duration backoff(int attempt, long status, long retryAfterSeconds) {
  if ((status == 429 || status == 503) && retryAfterSeconds >= 0) return std::chrono::seconds(retryAfterSeconds);
  const int shift = std::min(attempt, 5);  // 2^5 s already exceeds the 30 s cap
  return std::min<Duration>(std::chrono::seconds(1LL << shift), std::chrono::seconds(30));
}

Result<Duration> hookTimeout(const std::string& text, bool eventHook) {
  if (eventHook ? text.empty() : text.size() < 2) return Duration(std::chrono::seconds(10));
  auto d = parseDuration(text);
  if (!d) return makeError(ErrorCode::Invalid, "time: invalid duration \"" + text + "\"");
  return *d;
}

std::string redactUrl(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto hostStart = scheme + 3;
  const auto at = url.find('@', hostStart);
  const auto slash = url.find('/', hostStart);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  const auto colon = url.find(':', hostStart);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "xxxxx" + url.substr(at);
}

std::string givingUp(const std::string& url, int attempts, std::string_view cause) {
  std::string out = "POST " + redactUrl(url) + " giving up after " + std::to_string(attempts) + " attempt(s)";
  if (!cause.empty()) {
    out += ": ";
    out += cause;
  }
  return out;
}

}  // namespace aviary::webhooks
