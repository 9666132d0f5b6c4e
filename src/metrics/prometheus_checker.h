#pragma once
// The Prometheus-backed MetricChecker: Flagger's Istio builtin checks, deprecated in-line
// `query` metrics and `templateRef` MetricTemplates of type prometheus.
//
// MetricAnswer::message, by metric kind (what the engine puts into the Flagger event text):
//   SuccessRate / Duration  Error: the text after "Prometheus query failed: "
//                                  (e.g. "running query failed: error response: Status 400 ...");
//                           NoValues: "running query failed: no values found".
//   Query                   Error: the text after "Prometheus query failed for <metric>: ";
//                           NoValues: "no values found".
//   Template                Error: the COMPLETE event text, one of Flagger's (§5.5)
//                                  "Metric template <t>.<ns> error: ...",
//                                  "Metric template <t>.<ns> secret <s> error: ...",
//                                  "Metric template <t>.<ns> provider <type> error: ...",
//                                  "Metric template <t>.<ns> query render error: ...";
//                           or, when the query itself failed, the text after
//                                  "Metric query failed for <metric>: ";
//                           NoValues: "no values found".
//   Invalid                 Error: "no usable metrics template and query were configured".
// request-duration values are truncated to whole milliseconds, as Flagger does.
#include <chrono>
#include <string>
#include <vector>

#include "api/canary.h"
#include "metrics/checker.h"
#include "metrics/prometheus_client.h"
#include "metrics/secret_source.h"
#include "metrics/template_source.h"

namespace aviary::metrics {

struct PrometheusCheckerOptions {
  // The controller-level Prometheus (`--metrics-server`): used by builtin and in-line metrics when
  // the canary has no spec.metricsServer, and by MetricTemplates that have no provider.address.
  std::string defaultAddress = "http://prometheus:9090";
  // When non-empty, every query goes here, whatever the canary or template says (`aviary query
  // --prometheus`, local runs of manifests written for a cluster).
  std::string overrideAddress;
  // The controller's mesh provider (`--mesh-provider`); decides the builtin observer with
  // spec.provider (Flagger §5.1).
  std::string meshProvider = "istio";
  std::chrono::milliseconds timeout{5000};  // per Prometheus request
};

// A metric resolved and rendered, not run yet (`aviary query --dry-run`).
struct PreparedMetric {
  MetricKind kind = MetricKind::Invalid;
  std::string query;           // rendered and whitespace-collapsed, as sent
  PrometheusOptions provider;  // address, timeout, TLS, headers, credentials
  std::string source;          // "builtin (istio)", "in-line query", "template <name>.<ns>"
};

class PrometheusChecker final : public MetricChecker {
 public:
  // `templates`: where MetricTemplates are looked up, at every evaluation. `secrets` may be null
  // (then a template with a secretRef fails with a clear error); it is also read at every use.
  PrometheusChecker(TemplateSourcePtr templates, SecretSourcePtr secrets, PrometheusCheckerOptions options);
  // A fixed list of templates (copied).
  PrometheusChecker(std::vector<api::MetricTemplate> templates, SecretSourcePtr secrets,
                    PrometheusCheckerOptions options);

  // metrics::MetricChecker
  Status checkProviders(const api::Canary& canary) override;
  MetricAnswer evaluate(const api::Canary& canary, const api::CanaryMetric& metric) override;

  // Resolves the template/address/credentials and renders the query without running it. The
  // Error's message is the MetricAnswer message evaluate() would report for that failure.
  Result<PreparedMetric> prepare(const api::Canary& canary, const api::CanaryMetric& metric) const;

  // The MetricTemplate `name` in `namespace_` ("" = "default"), or null.
  std::shared_ptr<const api::MetricTemplate> findTemplate(const std::string& name, const std::string& namespace_) const;

 private:
  std::string canaryAddress(const api::Canary& canary) const;
  // Template lookup, secret and provider construction (no rendering); errors worded for events.
  Result<PreparedMetric> templateProvider(const api::Canary& canary, const api::CanaryMetric& metric,
                                          std::shared_ptr<const api::MetricTemplate>* found) const;

  TemplateSourcePtr templates_;
  SecretSourcePtr secrets_;
  PrometheusCheckerOptions options_;
};

}  // namespace aviary::metrics
