#pragma once
// Chat notifiers over HTTP with Flagger's exact JSON bodies (§9.3, integration §7.3):
// POST, Content-type: application/json, 5 s timeout, optional proxy, non-2xx is an error
// "sending notification bad response <code>: <body>".
#include <memory>
#include <string>

#include "api/canary.h"
#include "notifier/notifier.h"

namespace aviary::notifier {

enum class ChatKind { Slack, Discord, Rocket, MsTeams, GChat };

struct ChatConfig {
  ChatKind kind = ChatKind::Slack;
  std::string url;
  std::string channel = "general";
  std::string username = "flagger";
  std::string token;  // Slack only: "Authorization: Bearer <token>"
  std::string proxy;
};

// The JSON body a provider posts (exposed for golden tests).
std::string formatBody(const ChatConfig& config, const std::string& workload, const std::string& ns,
                       const std::string& message, const std::vector<Field>& fields, Severity severity);

class ChatNotifier final : public Notifier {
 public:
  // Error (Invalid) for an unparsable URL or, for Slack/Discord/Rocket, an empty username/channel.
  static Result<std::unique_ptr<Notifier>> create(ChatConfig config);
  Status post(const std::string& workload, const std::string& ns, const std::string& message,
              const std::vector<Field>& fields, Severity severity) override;

 private:
  explicit ChatNotifier(ChatConfig config) : config_(std::move(config)) {}
  ChatConfig config_;
};

// Builds the notifier for an AlertProvider. `address`/`token` come from the provider or its
// secret (resolved by the platform). An empty address gives a NopNotifier (Flagger: silent).
// Unknown type → Error "provider <type> not supported".
Result<std::unique_ptr<Notifier>> makeNotifier(const api::AlertProvider& provider, const std::string& address,
                                               const std::string& token);

}  // namespace aviary::notifier
