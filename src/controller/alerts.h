#pragma once
// Alert routing (Flagger §9.1/§9.2): a canary without analysis.alerts sends every alert to the
// global notifier; otherwise each alerts[] entry whose severity admits the alert gets it through
// the Notifier of its AlertProvider. Failures are logged only.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/canary.h"
#include "controller/observer.h"
#include "notifier/notifier.h"

namespace aviary::controller {

class AlertRouter {
 public:
  // Finds the notifier of AlertProvider <name> in namespace <ns>; null when it does not exist
  // (logged, alert dropped, as Flagger does). Called at every alert, so a provider edited while
  // the controller runs is used as it is now. Thread-safe when the lookup is.
  using Lookup = std::function<std::shared_ptr<notifier::Notifier>(const std::string& name, const std::string& ns)>;
  // Told the provider name ("global" or "<name>.<ns>") of every failed delivery (metrics).
  using FailureHook = std::function<void(const std::string& provider)>;

  AlertRouter(notifier::Notifier& global, Lookup lookup, std::string clusterName = {})
      : global_(global), lookup_(std::move(lookup)), clusterName_(std::move(clusterName)) {}

  void alert(const api::Canary& canary, const std::string& message, bool withMetadata, notifier::Severity severity,
             TickObserver* observer);

  // The fields of an alert, in Flagger's order (Cluster; then Target, Failed checks threshold,
  // Progress deadline, Traffic routing when withMetadata).
  static std::vector<notifier::Field> fields(const api::Canary& canary, bool withMetadata,
                                             const std::string& clusterName);
  // Whether an alerts[] entry with `entrySeverity` receives an alert of `severity`
  // (empty entry severity never matches — Flagger quirk §11.3, kept, see docs/engine.md).
  static bool admits(const std::string& entrySeverity, notifier::Severity severity);

  void setFailureHook(FailureHook hook) { onFailure_ = std::move(hook); }

 private:
  notifier::Notifier& global_;
  Lookup lookup_;
  std::string clusterName_;
  FailureHook onFailure_;
};

}  // namespace aviary::controller
