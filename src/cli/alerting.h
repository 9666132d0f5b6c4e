#pragma once
// The alerting wiring `aviary run` and `aviary controller` share: Flagger's global notifier from
// the -slack-* / -msteams-* flags, and the AlertRouter over the platform store's AlertProviders.
#include <memory>
#include <string>

#include "common/result.h"
#include "controller/alerts.h"
#include "metrics/secret_source.h"
#include "notifier/notifier.h"
#include "platform/platform.h"
#include "runtime/controller_metrics.h"

namespace aviary::cli {

struct ChatFlags {
  std::string slackUrl, slackChannel, slackUser = "flagger", slackToken, slackProxy;
  std::string msteamsUrl, msteamsProxy;
};

// Flagger: MS Teams when its URL is set, else Slack when URL and channel are set (a URL without
// a channel is logged and ignored), else none.
Result<std::unique_ptr<notifier::Notifier>> globalNotifier(const ChatFlags& flags);

// Alerts of canaries: their AlertProviders looked up live in `store` (secrets from `secrets`),
// else `global`; failures counted in `metrics`. `global` and the others must outlive the router.
std::unique_ptr<controller::AlertRouter> makeAlertRouter(notifier::Notifier& global, const platform::Store& store,
                                                         metrics::SecretSourcePtr secrets,
                                                         const std::string& clusterName,
                                                         runtime::ControllerMetrics& metrics);

}  // namespace aviary::cli
