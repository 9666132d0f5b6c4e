#pragma once
// The engine's extension point for alerts (Flagger pkg/notifier): one Notifier per configured
// AlertProvider (or the global one). Implementations: ChatNotifier (chat_notifier.h: Slack,
// Discord, Rocket.Chat, MS Teams, Google Chat over HTTP), RecordingNotifier (tests, simulate)
// and NopNotifier (no URL configured).
#include <string>
#include <vector>

#include "common/result.h"

namespace aviary::notifier {

enum class Severity { Info, Warn, Error };
const char* toString(Severity s);  // "info" | "warn" | "error"

// One "field" of an alert (Cluster, Target, Failed checks threshold, ...), in display order.
struct Field {
  std::string name;
  std::string value;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Posts one alert. `workload` is the canary name; subtitles print "<workload>.<ns>".
  // Errors are reported to the caller, which only logs them (alerts never affect a rollout).
  virtual Status post(const std::string& workload, const std::string& ns, const std::string& message,
                      const std::vector<Field>& fields, Severity severity) = 0;
};

class NopNotifier final : public Notifier {
 public:
  Status post(const std::string&, const std::string&, const std::string&, const std::vector<Field>&,
              Severity) override {
    return okStatus();
  }
};

}  // namespace aviary::notifier
