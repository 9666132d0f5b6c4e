#pragma once
// The real webhook client: HTTP POST over libcurl (common/http_client.h) with Flagger's payload,
// per-hook timeout, go-retryablehttp retries/backoff and the "<= 202 is success" rule (§6.1).
#include <functional>
#include <string>

#include "webhooks/webhook.h"

namespace aviary::webhooks {

class HttpWebhookCaller final : public WebhookCaller {
 public:
  // How the caller waits between attempts; the default really sleeps. Tests inject a recorder.
  using Sleeper = std::function<void(Duration)>;
  HttpWebhookCaller();
  explicit HttpWebhookCaller(Sleeper sleeper) : sleeper_(std::move(sleeper)) {}

  Status call(const api::CanaryWebhook& hook, const Payload& payload) override;

  // Chooses the HTTP proxy for a hook URL ("" = connect directly), e.g. the local platform's
  // mesh for service names such as http://flagger-loadtester.test/ (platform/local/mesh.h
  // Mesh::proxyFor). Set before the first call; without one every hook connects directly (the
  // HTTP client never reads http_proxy from the environment).
  using ProxyResolver = std::function<std::string(const std::string& url)>;
  void setProxyResolver(ProxyResolver resolver) { proxyFor_ = std::move(resolver); }

 private:
  Sleeper sleeper_;
  ProxyResolver proxyFor_;
};

}  // namespace aviary::webhooks
