#include "notifier/chat_notifier.h"

#include <nlohmann/json.hpp>

#include "common/http_client.h"

namespace aviary::notifier {

using OJson = nlohmann::ordered_json;

namespace {

OJson slackBody(const ChatConfig& c, const std::string& subject, const std::string& message,
                const std::vector<Field>& fields, Severity severity) {
  const bool err = severity == Severity::Error;
  std::string color = c.kind == ChatKind::Rocket ? (err ? "#FF0000" : "#0076D7") : (err ? "danger" : "good");
  OJson f = OJson::array();
  for (const auto& field : fields) f.push_back(OJson{{"title", field.name}, {"value", field.value}, {"short", false}});
  OJson attachment{{"color", color}, {"author_name", subject}, {"text", message},
                   {"mrkdwn_in", OJson::array({"text"})}, {"fields", f}};
  return OJson{{"channel", c.channel}, {"username", c.username}, {"icon_url", ""}, {"icon_emoji", ":rocket:"},
               {"attachments", OJson::array({attachment})}};
}

OJson teamsBody(const std::string& subject, const std::string& message, const std::vector<Field>& fields,
                Severity severity) {
  OJson facts = OJson::array();
  for (const auto& field : fields) facts.push_back(OJson{{"name", field.name}, {"value", field.value}});
  OJson section{{"activityTitle", message}, {"activitySubtitle", subject}, {"facts", facts}};
  return OJson{{"@type", "MessageCard"},
               {"@context", "http://schema.org/extensions"},
               {"themeColor", severity == Severity::Error ? "FF0000" : "0076D7"},
               {"summary", subject},
               {"sections", OJson::array({section})}};
}

OJson paragraph(const std::string& text) {
  return OJson{{"widgets", OJson::array({OJson{{"textParagraph", OJson{{"text", text}}}}})}};
}

OJson gchatBody(const std::string& subject, const std::string& message, const std::vector<Field>& fields) {
  OJson sections = OJson::array({paragraph("<font color=#848484><strong>" + message + "</strong></font>")});
  for (const auto& f : fields) {
    sections.push_back(paragraph(f.name + "<br><font color=#848484><strong>" + f.value + "</strong></font>"));
  }
  OJson header{{"title", "Flagger"}, {"subtitle", subject}, {"imageUrl", "https://flagger.app/favicon.png"}};
  return OJson{{"cards", OJson::array({OJson{{"header", header}, {"sections", sections}}})}};
}

}  // namespace

std::string formatBody(const ChatConfig& config, const std::string& workload, const std::string& ns,
                       const std::string& message, const std::vector<Field>& fields, Severity severity) {
  const std::string subject = workload + "." + ns;
  switch (config.kind) {
    case ChatKind::Slack:
    case ChatKind::Discord:
    case ChatKind::Rocket: return slackBody(config, subject, message, fields, severity).dump();
    case ChatKind::MsTeams: return teamsBody(subject, message, fields, severity).dump();
    case ChatKind::GChat: return gchatBody(subject, message, fields).dump();
  }
  return "{}";
}

Result<std::unique_ptr<Notifier>> ChatNotifier::create(ChatConfig config) {
  const auto scheme = config.url.find("://");
  if (scheme == std::string::npos || scheme == 0 || config.url.size() == scheme + 3) {
    return makeError(ErrorCode::Invalid, "invalid URL \"" + config.url + "\"");
  }
  const bool slackLike = config.kind == ChatKind::Slack || config.kind == ChatKind::Discord ||
                         config.kind == ChatKind::Rocket;
  if (slackLike && config.username.empty()) return makeError(ErrorCode::Invalid, "empty username");
  if (slackLike && config.channel.empty()) return makeError(ErrorCode::Invalid, "empty channel");
  if (config.kind == ChatKind::Discord) {
    // Discord's Slack-compatible endpoint.
    const std::string suffix = "/slack";
    if (config.url.size() < suffix.size() || config.url.compare(config.url.size() - suffix.size(), suffix.size(), suffix) != 0) {
      if (!config.url.empty() && config.url.back() == '/') config.url.pop_back();
      config.url += suffix;
    }
  }
  return std::unique_ptr<Notifier>(new ChatNotifier(std::move(config)));
}

Status ChatNotifier::post(const std::string& workload, const std::string& ns, const std::string& message,
                          const std::vector<Field>& fields, Severity severity) {
  http::Request req;
  req.method = "POST";
  req.url = config_.url;
  req.headers = {{"Content-type", "application/json"}};
  if (config_.kind == ChatKind::Slack && !config_.token.empty()) req.bearerToken = config_.token;
  req.body = formatBody(config_, workload, ns, message, fields, severity);
  req.timeout = std::chrono::seconds(5);
  req.proxy = config_.proxy;
  auto resp = http::perform(req);
  if (!resp) return resp.error();
  if (resp->status < 200 || resp->status >= 300) {
    return makeError(ErrorCode::Unavailable,
                     "sending notification bad response " + std::to_string(resp->status) + ": " + resp->body);
  }
  return okStatus();
}

Result<std::unique_ptr<Notifier>> makeNotifier(const api::AlertProvider& provider, const std::string& address,
                                               const std::string& token) {
  ChatConfig c;
  if (provider.type == "slack") c.kind = ChatKind::Slack;
  else if (provider.type == "discord") c.kind = ChatKind::Discord;
  else if (provider.type == "rocket") c.kind = ChatKind::Rocket;
  else if (provider.type == "msteams") c.kind = ChatKind::MsTeams;
  else if (provider.type == "gchat") c.kind = ChatKind::GChat;
  else return makeError(ErrorCode::Invalid, "provider " + provider.type + " not supported");
  if (address.empty()) return std::unique_ptr<Notifier>(new NopNotifier());
  c.url = address;
  c.channel = provider.channel.empty() ? "general" : provider.channel;
  c.username = provider.username.empty() ? "flagger" : provider.username;
  c.token = token;
  c.proxy = provider.proxy;
  return ChatNotifier::create(std::move(c));
}

}  // namespace aviary::notifier
