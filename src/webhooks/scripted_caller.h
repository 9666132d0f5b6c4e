#pragma once
// A WebhookCaller that answers from a script instead of the network: each hook name maps to an
// HTTP status (plus optional body) or a timeout, with a "default" entry. It applies the same
// retry and error-text rules as the real client (without sleeping) and records every call.
// Used by tests and `aviary simulate`. Not thread-safe.
#include <map>
#include <string>
#include <vector>

#include "webhooks/webhook.h"

namespace aviary::webhooks {

struct ScriptedAnswer {
  enum class Kind { Status, Timeout };
  Kind kind = Kind::Status;
  long status = 200;
  std::string body;  // the response body (the error text of a non-retried failing status)

  static ScriptedAnswer ofStatus(long s, std::string b = {}) { return {Kind::Status, s, std::move(b)}; }
  static ScriptedAnswer timeout() { return {Kind::Timeout, 0, {}}; }
  std::string toString() const;  // "200", "timeout"
};

struct RecordedCall {
  std::string name;
  api::HookType type = api::HookType::Rollout;
  Payload payload;
  std::string outcome;  // "200", "500", "timeout"
  bool ok = false;
  std::string error;    // the error text when !ok
};

class ScriptedWebhookCaller final : public WebhookCaller {
 public:
  ScriptedWebhookCaller() { answers_["default"] = ScriptedAnswer::ofStatus(200); }

  // Sets the answer for a hook name ("default" for every hook without its own entry).
  void set(const std::string& name, ScriptedAnswer answer) { answers_[name] = std::move(answer); }

  Status call(const api::CanaryWebhook& hook, const Payload& payload) override;

  // Calls made since the last take (moves them out).
  std::vector<RecordedCall> takeCalls() { return std::move(calls_); }
  const std::vector<RecordedCall>& calls() const { return calls_; }
  void setRecording(bool on) { recording_ = on; }

 private:
  std::map<std::string, ScriptedAnswer> answers_;
  std::vector<RecordedCall> calls_;
  bool recording_ = true;
};

}  // namespace aviary::webhooks
