#pragma once
// The engine's extension point for calling webhooks (Flagger pkg/controller/webhook.go).
// Implementations: HttpWebhookCaller (http_caller.h, the real HTTP client) and
// ScriptedWebhookCaller (scripted_caller.h, tests and `aviary simulate`).
#include <map>
#include <string>

#include "api/canary.h"
#include "common/result.h"
#include "webhooks/payload.h"

namespace aviary::webhooks {

class WebhookCaller {
 public:
  virtual ~WebhookCaller() = default;

  // POSTs `payload` to hook.url honouring hook.timeout, hook.retries and hook.disableTLS.
  // OK when the final status is <= 202. Otherwise an Error whose message is exactly the text
  // Flagger puts in its events: the response body for a non-retried failing status,
  // "POST <url> giving up after N attempt(s)" after retryable statuses, and
  // "POST <url> giving up after N attempt(s): <cause>" after transport errors or timeouts.
  // Thread-safe; blocks up to (retries + 1) * timeout plus backoff.
  virtual Status call(const api::CanaryWebhook& hook, const Payload& payload) = 0;
};

}  // namespace aviary::webhooks
