#pragma once
// One simulated tick as printed by `aviary simulate` (-o text / -o json).
#include <chrono>
#include <string>
#include <vector>

#include "controller/event_sink.h"
#include "metrics/checker.h"
#include "notifier/notifier.h"
#include "router/router.h"

namespace aviary::simulate {

struct MetricRecord {
  std::string name;
  metrics::MetricAnswer answer;
  bool ok = false;
};
struct WebhookRecord {
  std::string name;
  std::string type;
  std::string phase;   // the payload phase
  std::string status;  // the scripted answer: "200", "500", "timeout"
  bool ok = false;
  std::string error;   // the error text when !ok
};
struct AlertRecord {
  std::string provider;
  std::string message;
  notifier::Severity severity = notifier::Severity::Info;
};

struct TickRecord {
  int tick = 0;
  std::chrono::seconds time{0};  // virtual time since the start
  std::string phase;
  router::Routes routes;
  int32_t statusWeight = 0;
  int32_t failedChecks = 0;
  int32_t iterations = 0;
  std::vector<controller::Event> events;
  std::vector<MetricRecord> metrics;
  std::vector<WebhookRecord> webhooks;
  std::vector<AlertRecord> alerts;
};

std::string formatText(const TickRecord& r);
std::string formatJson(const TickRecord& r);  // one JSON object + "\n"

}  // namespace aviary::simulate
