#pragma once
// Threshold comparison for one metric value, as Flagger's scheduler does it (§5.3): bounds are
// inclusive; with `thresholdRange` a value outside [min, max] fails; without it the deprecated
// `threshold` is a minimum for request-success-rate and a maximum for everything else (so an unset
// threshold of 0 fails any non-zero request-duration). Durations are compared in whole ms.
#include <string>

#include "api/canary.h"
#include "metrics/checker.h"

namespace aviary::metrics {

struct ThresholdVerdict {
  bool pass = false;
  // Human-readable comparison, e.g. "98.00 < min 99" or "235 <= max 500".
  std::string detail;
};

ThresholdVerdict checkThreshold(MetricKind kind, const api::CanaryMetric& metric, double value);

}  // namespace aviary::metrics
