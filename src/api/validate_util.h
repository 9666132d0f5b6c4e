#pragma once
// Internal to aviary_api: the findings collector shared by the semantic checks, and the checks
// split out of validate.cpp (metrics, webhooks, alerts; templates and alert providers).
#include <string>
#include <string_view>
#include <vector>

#include "api/canary.h"
#include "api/validate.h"

namespace aviary::api::detail {

class Findings {
 public:
  Findings(const SourcePos& doc, const FieldPositions& positions, const ValidateOptions& options,
           const std::vector<MetricTemplate>* templates = nullptr,
           const std::vector<AlertProvider>* providers = nullptr)
      : doc_(doc), positions_(positions), options_(options), templates_(templates), providers_(providers) {}

  void error(const std::string& path, std::string message, ErrorCode code = ErrorCode::Invalid);
  // A warning; an error under options.strict.
  void warn(const std::string& path, std::string message);
  // The position of `path`, or of its nearest recorded parent, or of the document.
  SourcePos at(std::string_view path) const;

  const ValidateOptions& options() const { return options_; }
  const std::vector<MetricTemplate>* templates() const { return templates_; }
  const std::vector<AlertProvider>* providers() const { return providers_; }
  std::vector<Finding> take() { return std::move(out_); }

 private:
  const SourcePos& doc_;
  const FieldPositions& positions_;
  const ValidateOptions& options_;
  const std::vector<MetricTemplate>* templates_;
  const std::vector<AlertProvider>* providers_;
  std::vector<Finding> out_;
};

// Flagger's CRD pattern for analysis.interval, metrics[].interval, webhooks[].timeout:
// ^[0-9]+(m|s), not anchored at the end.
bool matchesCrdDuration(std::string_view text);
// An absolute http:// or https:// URL with a host.
bool isHttpUrl(std::string_view url);

// The analysis numbers (threshold, weights, iterations, ready thresholds, maxAge, webhook
// retries) that Flagger's CRD leaves unbounded (validate_ranges.cpp).
void checkRanges(const CanaryAnalysis& a, const std::string& base, Findings& f);
void checkMetrics(const Canary& c, const CanaryAnalysis& a, const std::string& base, Findings& f);
void checkWebhooksAndAlerts(const Canary& c, const CanaryAnalysis& a, const std::string& base, Findings& f);

}  // namespace aviary::api::detail
