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

// A Kubernetes object of a scenario on Kubernetes objects (`objects:`, `apply:`), as JSON, with
// where it was written (the start of its document, or the inline object).
struct KubeObject {
  nlohmann::json object;
  SourcePos pos;
};

struct TickStep {
  int count = 1;
};
struct ReadyStep {
  std::optional<bool> primary, canary;
  std::string primaryMessage, canaryMessage;  // replace the default not-ready text
  // Scenarios on objects: Deployments/DaemonSets of the Canary's namespace by name -> ready.
  std::map<std::string, bool> objects;
};
struct ApplyStep {  // objects created or patched (like kubectl apply) in the API server
  std::vector<KubeObject> objects;
};
struct DumpStep {  // "Kind/name" (the Canary's namespace, or cluster-scoped): printed as YAML
  std::vector<std::string> refs;
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
  std::map<std::string, int32_t> routes;  // "primary", "canary", "mirror" -> percent, as configured
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
  std::variant<TickStep, ReadyStep, RevisionStep, ConfigsStep, MetricsStep, WebhooksStep, ProvidersStep, SpecStep,
               ExpectStep, ExpectEventStep, ExpectAlertStep, ApplyStep, DumpStep>
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
  // On Kubernetes objects (docs/simulate.md): the objects created in the sandbox API server before
  // the first step (the Canary among them, created last); empty: the in-memory target.
  std::vector<KubeObject> objects;
  bool onKubernetes() const { return !objects.empty(); }
  ErrorList warnings;  // validation warnings, printed but not fatal
};

// Loads and validates a scenario file. Errors: all of them (file:line:col: path: message).
Result<Scenario> loadScenario(const std::string& path, ErrorList* errors);

}  // namespace aviary::simulate
