#pragma once
// Optional tap on what a tick did beyond events (metric values and verdicts, webhook calls,
// alerts), for `aviary simulate` and tests. The engine calls it synchronously; default: none.
#include <string>

#include "api/canary.h"
#include "metrics/checker.h"
#include "notifier/notifier.h"

namespace aviary::controller {

class TickObserver {
 public:
  virtual ~TickObserver() = default;
  // A metric was evaluated; `ok` is the engine's verdict (false also for no values / errors).
  virtual void onMetric(const api::CanaryMetric& metric, const metrics::MetricAnswer& answer, bool ok) {}
  // A webhook was called with payload phase `phase`; `result` is what the caller answered.
  virtual void onWebhook(const api::CanaryWebhook& hook, const std::string& phase, const Status& result) {}
  // An alert was routed to `provider` ("global" for the global notifier).
  virtual void onAlert(const std::string& provider, const std::string& message, notifier::Severity severity) {}
};

}  // namespace aviary::controller
