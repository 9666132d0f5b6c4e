#pragma once
// The real webhook client: HTTP POST over libcurl (common/http_client.h) with Flagger's payload,
// per-hook timeout, go-retryablehttp retries/backoff and the "<= 202 is success" rule (§6.1).
#include <functional>

#include "webhooks/webhook.h"

namespace aviary::webhooks {

class HttpWebhookCaller final : public WebhookCaller {
 public:
  // How the caller waits between attempts; the default really sleeps. Tests inject a recorder.
  using Sleeper = std::function<void(Duration)>;
  HttpWebhookCaller();
  explicit HttpWebhookCaller(Sleeper sleeper) : sleeper_(std::move(sleeper)) {}

  Status call(const api::CanaryWebhook& hook, const Payload& payload) override;

 private:
  Sleeper sleeper_;
};

}  // namespace aviary::webhooks
