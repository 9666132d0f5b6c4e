#include "webhooks/http_caller.h"

#include <cstdlib>
#include <thread>

#include "common/http_client.h"
#include "webhooks/retry_policy.h"

namespace aviary::webhooks {
namespace {

long retryAfter(const http::Response& resp) {
  auto it = resp.headers.find("retry-after");
  if (it == resp.headers.end() || it->second.empty()) return -1;
  char* end = nullptr;
  long v = std::strtol(it->second.c_str(), &end, 10);
  return (end && *end == '\0' && v >= 0) ? v : -1;
}

}  // namespace

HttpWebhookCaller::HttpWebhookCaller() : sleeper_([](Duration d) { std::this_thread::sleep_for(d); }) {}

Status HttpWebhookCaller::call(const api::CanaryWebhook& hook, const Payload& payload) {
  if (hook.url.find("://") == std::string::npos) {
    return makeError(ErrorCode::Invalid, "parse \"" + hook.url + "\": invalid URI for request");
  }
  auto timeout = hookTimeout(hook.timeout, hook.type == api::HookType::Event);
  if (!timeout) return timeout.error();

  http::Request req;
  req.method = "POST";
  req.url = hook.url;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = encodePayload(payload);
  req.timeout = *timeout;
  req.connectTimeout = *timeout;
  req.insecureSkipVerify = hook.disableTLS;
  if (proxyFor_) req.proxy = proxyFor_(hook.url);

  const int attempts = 1 + std::max<int32_t>(0, hook.retries);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto resp = http::perform(req);
    const bool last = attempt + 1 == attempts;
    if (!resp.ok()) {
      if (last) return makeError(resp.error().code, givingUp(hook.url, attempts, resp.error().message));
      sleeper_(backoff(attempt, 0, -1));
      continue;
    }
    if (isRetryableStatus(resp->status)) {
      // go-retryablehttp discards the body and reports only the attempt count.
      if (last) return makeError(ErrorCode::Unavailable, givingUp(hook.url, attempts, {}));
      sleeper_(backoff(attempt, resp->status, retryAfter(*resp)));
      continue;
    }
    if (isSuccess(resp->status)) return okStatus();
    // Flagger turns the body of any other failing response into the error text.
    return makeError(ErrorCode::Unavailable, resp->body);
  }
  return makeError(ErrorCode::Internal, "unreachable");
}

}  // namespace aviary::webhooks
