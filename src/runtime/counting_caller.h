#pragma once
// A WebhookCaller that counts the calls another caller answers not OK, by canary, hook and type
// (aviary_webhook_failures_total), and logs them. Thread-safe when the inner caller is.
#include "api/canary.h"
#include "common/log.h"
#include "runtime/controller_metrics.h"
#include "webhooks/webhook.h"

namespace aviary::runtime {

class CountingCaller final : public webhooks::WebhookCaller {
 public:
  CountingCaller(webhooks::WebhookCaller& inner, ControllerMetrics& metrics) : inner_(inner), metrics_(metrics) {}
  Status call(const api::CanaryWebhook& hook, const webhooks::Payload& payload) override {
    auto st = inner_.call(hook, payload);
    if (!st) {
      metrics_.webhookFailed(payload.name, payload.namespace_, hook.name, api::toString(hook.type));
      spdlog::debug("{}.{}: webhook {} ({}) answered: {}", payload.name, payload.namespace_, hook.name,
                    api::toString(hook.type), st.error().message);
    }
    return st;
  }

 private:
  webhooks::WebhookCaller& inner_;
  ControllerMetrics& metrics_;
};

}  // namespace aviary::runtime
