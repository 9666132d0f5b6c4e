#pragma once
// Live configuration: MetricTemplates, AlertProviders and their secrets are looked up in the
// platform's store at every use, never copied at start, so that an edit takes effect at the next
// tick (issue: templates were copied when the controller started).
#include <functional>
#include <memory>
#include <string>

#include "metrics/secret_source.h"
#include "metrics/template_source.h"
#include "notifier/notifier.h"
#include "platform/platform.h"

namespace aviary::runtime {

// MetricTemplates from the store (for metrics::PrometheusChecker).
class StoreTemplateSource final : public metrics::TemplateSource {
 public:
  explicit StoreTemplateSource(const platform::Store& store) : store_(store) {}
  std::shared_ptr<const api::MetricTemplate> find(const std::string& name, const std::string& ns) const override {
    return store_.getMetricTemplate(ns, name);
  }
  std::vector<std::string> keys() const override;

 private:
  const platform::Store& store_;
};

// Builds the Notifier of an AlertProvider with its address and token resolved (the cli wires
// notifier::makeNotifier here; the runtime does not link the chat implementations).
using NotifierFactory = std::function<Result<std::unique_ptr<notifier::Notifier>>(
    const api::AlertProvider& provider, const std::string& address, const std::string& token)>;

// The AlertRouter lookup over the store: the provider as it is now, its `secretRef` read now
// (keys `address` and `token`, Flagger §9.2: the secret's address wins over spec.address).
// A provider whose notifier cannot be built (bad URL, missing secret) is logged and skipped,
// like a missing one.
std::function<std::shared_ptr<notifier::Notifier>(const std::string&, const std::string&)> alertProviderLookup(
    const platform::Store& store, metrics::SecretSourcePtr secrets, NotifierFactory factory);

}  // namespace aviary::runtime
