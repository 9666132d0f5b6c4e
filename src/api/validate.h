#pragma once
// Semantic validation of decoded resources (Flagger's own checks plus what a user would expect
// caught early). Structural checks happen while decoding (decode.h).
#include <vector>

#include "api/decode.h"
#include "common/result.h"

namespace aviary::api {

struct ValidateOptions {
  bool strict = false;  // warnings become errors
  // When true, a templateRef must name a MetricTemplate among the loaded ones. `aviary validate`
  // sets it when any MetricTemplate was given.
  bool requireTemplates = false;
  // Same for alert providerRefs (set by `aviary validate` when any AlertProvider was given).
  bool requireAlertProviders = false;
};

struct Finding {
  enum class Severity { Warning, Error };
  Severity severity = Severity::Error;
  Error error;  // message, field path and position
};

struct ValidationReport {
  std::vector<Finding> findings;  // in input order
  bool ok() const;                // no Error-severity findings
};

// Validates every canary of `loaded` against the loaded templates/providers. Does not repeat the
// structural errors already in loaded.errors.
ValidationReport validate(const LoadResult& loaded, const ValidateOptions& options);

// Validates one canary (templates are consulted when options.requireTemplates).
std::vector<Finding> validateCanary(const Canary& canary, const std::vector<MetricTemplate>& templates,
                                    const ValidateOptions& options);

// Semantic checks of the other kinds (validate() calls them for every loaded one).
std::vector<Finding> validateTemplate(const MetricTemplate& tmpl, const ValidateOptions& options);
std::vector<Finding> validateAlertProvider(const AlertProvider& provider, const ValidateOptions& options);

// Like validateCanary, also resolving alert providerRefs when options.requireAlertProviders.
std::vector<Finding> validateCanary(const Canary& canary, const std::vector<MetricTemplate>& templates,
                                    const std::vector<AlertProvider>& providers, const ValidateOptions& options);

// Semantic checks of a local Workload (validate_workload.cpp).
std::vector<Finding> validateWorkload(const Workload& workload, const ValidateOptions& options);
// When the Canary targets a Workload and `workloads` is not empty: an error unless one of them has
// the Canary's namespace and the targetRef's name (`aviary validate` passes every loaded Workload).
std::vector<Finding> validateTargetRef(const Canary& canary, const std::vector<Workload>& workloads,
                                       const ValidateOptions& options);

// Helpers for consumers: the effective values the engine uses (Flagger §4.11).
int32_t effectiveMaxWeight(const CanaryAnalysis& analysis);

}  // namespace aviary::api
