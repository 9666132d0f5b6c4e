#include "metrics/threshold.h"

#include <cmath>

#include <fmt/format.h>

namespace aviary::metrics {
namespace {

std::string num(double v) {
  return fmt::format("{:.2f}", v);
}
std::string bound(double v) {
  return fmt::format("{}", v);
}

}  // namespace

ThresholdVerdict checkThreshold(MetricKind kind, const api::CanaryMetric& metric, double value) {
  if (std::isnan(value)) return {false, "NaN is never compared (no values)"};
  if (kind == MetricKind::Duration) value = std::trunc(value);
  if (metric.thresholdRange) {
    const auto& r = *metric.thresholdRange;
    if (r.min && value < *r.min) return {false, fmt::format("{} < min {}", num(value), bound(*r.min))};
    if (r.max && value > *r.max) return {false, fmt::format("{} > max {}", num(value), bound(*r.max))};
    std::string lo = r.min ? bound(*r.min) + " <= " : "";
    std::string hi = r.max ? " <= " + bound(*r.max) : "";
    if (!r.min && !r.max) return {true, num(value) + " (thresholdRange sets no bound)"};
    return {true, lo + num(value) + hi};
  }
  double t = metric.threshold.value_or(0);
  if (kind == MetricKind::SuccessRate) {
    if (t > value) return {false, fmt::format("{} < threshold {}", num(value), bound(t))};
    return {true, fmt::format("{} >= threshold {}", num(value), bound(t))};
  }
  if (value > t) return {false, fmt::format("{} > threshold {}", num(value), bound(t))};
  return {true, fmt::format("{} <= threshold {}", num(value), bound(t))};
}

}  // namespace aviary::metrics
