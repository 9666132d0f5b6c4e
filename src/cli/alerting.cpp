#include "cli/alerting.h"

#include "common/log.h"
#include "notifier/chat_notifier.h"
#include "runtime/live_config.h"

namespace aviary::cli {

Result<std::unique_ptr<notifier::Notifier>> globalNotifier(const ChatFlags& f) {
  notifier::ChatConfig c;
  if (!f.msteamsUrl.empty()) {
    c.kind = notifier::ChatKind::MsTeams;
    c.url = f.msteamsUrl;
    c.proxy = f.msteamsProxy;
    return notifier::ChatNotifier::create(c);
  }
  if (!f.slackUrl.empty() && !f.slackChannel.empty()) {
    c.kind = notifier::ChatKind::Slack;
    c.url = f.slackUrl;
    c.channel = f.slackChannel;
    c.username = f.slackUser;
    c.token = f.slackToken;
    c.proxy = f.slackProxy;
    return notifier::ChatNotifier::create(c);
  }
  if (!f.slackUrl.empty()) spdlog::warn("global Slack notifier disabled: empty Slack channel (--slack-channel)");
  return std::unique_ptr<notifier::Notifier>(std::make_unique<notifier::NopNotifier>());
}

std::unique_ptr<controller::AlertRouter> makeAlertRouter(notifier::Notifier& global, const platform::Store& store,
                                                         metrics::SecretSourcePtr secrets,
                                                         const std::string& clusterName,
                                                         runtime::ControllerMetrics& metrics) {
  auto router = std::make_unique<controller::AlertRouter>(
      global,
      runtime::alertProviderLookup(store, std::move(secrets),
                                   [](const api::AlertProvider& p, const std::string& address,
                                      const std::string& token) -> Result<std::unique_ptr<notifier::Notifier>> {
                                     return notifier::makeNotifier(p, address, token);
                                   }),
      clusterName);
  router->setFailureHook([&metrics](const std::string& provider) { metrics.notifierFailed(provider); });
  return router;
}

}  // namespace aviary::cli
