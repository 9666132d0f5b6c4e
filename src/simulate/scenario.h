#pragma once
// `aviary simulate` scenarios (docs/simulate.md): a Canary, scripted conditions and a list of
// steps with expectations. Parsing reports every problem at once, each with file:line:col and
// the field path, and builds nothing when there is one.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/canary.h"
#include "platform/memory/scripted_checker.h"
#include "webhooks/scripted_caller.h"

namespace aviary::simulate {

struct TickStep {
  int count = 1;
};
struct ReadyStep {
  std::optional<bool> primary, canary;
  std::string primaryMessage, canaryMessage;  // replace the default not-ready text
};
struct RevisionStep {
  nlohmann::json revision;
};
struct ConfigsStep {  // tracked ConfigMaps/Secrets: "configmap/<name>" or "secret/<name>" -> checksum
  std::map<std::string, std::string> configs;
};
struct MetricsStep {
  std::map<std::string, controller::ScriptedMetric> answers;
};
struct WebhooksStep {
  std::map<std::string, webhooks::ScriptedAnswer> answers;
};
struct ProvidersStep {
  std::optional<std::string> error;  // nullopt: all metric providers available
};
struct SpecStep {  // edits of the Canary spec between ticks
  std::optional<bool> suspend, skipAnalysis;
};
struct ExpectStep {
  std::optional<std::string> phase;
  std::optional<int32_t> canaryWeight, primaryWeight, statusWeight, failedChecks, iterations;
  std::optional<bool> mirror;
  std::optional<bool> sessionAffinityCookie, previousSessionAffinityCookie;  // non-empty?
};
struct ExpectEventStep {
  std::string message;
  std::optional<std::string> type;  // "Normal" | "Warning"
  bool negate = false;              // expectNoEvent
};
struct ExpectAlertStep {
  std::string message;
};

struct Step {
  int line = 0;  // 1-based line of the step in the scenario file
  std::string key;
  std::variant<TickStep, ReadyStep, RevisionStep, ConfigsStep, MetricsStep, WebhooksStep, ProvidersStep, SpecStep, ExpectStep,
               ExpectEventStep, ExpectAlertStep>
      body;
};

struct Scenario {
  std::string file;
  api::Canary canary;
  std::vector<api::MetricTemplate> templates;
  std::vector<api::AlertProvider> alertProviders;
  nlohmann::json revision = nlohmann::json::object();
  ConfigsStep configs;
  MetricsStep metrics;
  WebhooksStep webhooks;
  std::vector<Step> steps;
  ErrorList warnings;  // validation warnings, printed but not fatal
};

// Loads and validates a scenario file. Errors: all of them (file:line:col: path: message).
Result<Scenario> loadScenario(const std::string& path, ErrorList* errors);

}  // namespace aviary::simulate
