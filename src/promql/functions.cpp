#include "promql/functions.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

namespace aviary::promql {
namespace {

using VT = ValueType;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<FunctionInfo>& functions() {
  static const std::vector<FunctionInfo> kFunctions = {
      {"rate", {VT::Matrix}, 1, VT::Vector},
      {"irate", {VT::Matrix}, 1, VT::Vector},
      {"increase", {VT::Matrix}, 1, VT::Vector},
      {"sum_over_time", {VT::Matrix}, 1, VT::Vector},
      {"avg_over_time", {VT::Matrix}, 1, VT::Vector},
      {"min_over_time", {VT::Matrix}, 1, VT::Vector},
      {"max_over_time", {VT::Matrix}, 1, VT::Vector},
      {"count_over_time", {VT::Matrix}, 1, VT::Vector},
      {"histogram_quantile", {VT::Scalar, VT::Vector}, 2, VT::Vector},
      {"vector", {VT::Scalar}, 1, VT::Vector},
      {"scalar", {VT::Vector}, 1, VT::Scalar},
      {"time", {}, 0, VT::Scalar},
      {"abs", {VT::Vector}, 1, VT::Vector},
      {"ceil", {VT::Vector}, 1, VT::Vector},
      {"floor", {VT::Vector}, 1, VT::Vector},
      {"exp", {VT::Vector}, 1, VT::Vector},
      {"sqrt", {VT::Vector}, 1, VT::Vector},
      {"ln", {VT::Vector}, 1, VT::Vector},
      {"log2", {VT::Vector}, 1, VT::Vector},
      {"log10", {VT::Vector}, 1, VT::Vector},
      {"clamp", {VT::Vector, VT::Scalar, VT::Scalar}, 3, VT::Vector},
      {"clamp_min", {VT::Vector, VT::Scalar}, 2, VT::Vector},
      {"clamp_max", {VT::Vector, VT::Scalar}, 2, VT::Vector},
      {"round", {VT::Vector, VT::Scalar}, 1, VT::Vector},
  };
  return kFunctions;
}

// Go's math.Max / math.Min: NaN wins (std::fmax would drop it).
double goMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
double goMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

// Prometheus's extrapolatedRate (2.42): the increase between the first and last sample,
// corrected for counter resets, extrapolated towards the window's edges (to at most half an
// average sample interval beyond the data, and for counters not below zero).
std::optional<double> extrapolatedRate(const std::vector<Sample>& s, const RangeWindow& w, bool isCounter,
                                       bool isRate) {
  if (s.size() < 2) return std::nullopt;
  const double rangeStart = static_cast<double>(w.end - w.range);
  const double rangeEnd = static_cast<double>(w.end);
  double resultValue = s.back().v - s.front().v;
  if (isCounter) {
    double lastValue = 0;
    for (const auto& x : s) {
      if (x.v < lastValue) resultValue += lastValue;
      lastValue = x.v;
    }
  }
  double durationToStart = (static_cast<double>(s.front().t) - rangeStart) / 1000;
  double durationToEnd = (rangeEnd - static_cast<double>(s.back().t)) / 1000;
  double sampledInterval = static_cast<double>(s.back().t - s.front().t) / 1000;
  double averageDurationBetweenSamples = sampledInterval / static_cast<double>(s.size() - 1);
  if (isCounter && resultValue > 0 && s.front().v >= 0) {
    double durationToZero = sampledInterval * (s.front().v / resultValue);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  double extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  resultValue = resultValue * (extrapolateToInterval / sampledInterval);
  if (isRate) resultValue = resultValue / (static_cast<double>(w.range) / 1000);
  return resultValue;
}

std::optional<double> instantRate(const std::vector<Sample>& s) {
  if (s.size() < 2) return std::nullopt;
  const Sample& last = s[s.size() - 1];
  const Sample& prev = s[s.size() - 2];
  double resultValue = last.v < prev.v ? last.v : last.v - prev.v;
  Millis sampledInterval = last.t - prev.t;
  if (sampledInterval == 0) return std::nullopt;
  return resultValue / (static_cast<double>(sampledInterval) / 1000);
}

// avg as Prometheus 2.42 computes it (incremental mean, with its handling of infinities).
double incrementalMean(const std::vector<Sample>& s) {
  double mean = 0, count = 0;
  for (const auto& x : s) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(x.v) && (mean > 0) == (x.v > 0)) continue;
      if (!std::isinf(x.v) && !std::isnan(x.v)) continue;
    }
    mean += x.v / count - mean / count;
  }
  return mean;
}

std::optional<double> overTime(std::string_view name, const std::vector<Sample>& s) {
  if (s.empty()) return std::nullopt;
  if (name == "count_over_time") return static_cast<double>(s.size());
  if (name == "avg_over_time") return incrementalMean(s);
  double acc = s.front().v;
  for (size_t i = 1; i < s.size(); ++i) {
    double v = s[i].v;
    if (name == "sum_over_time") acc += v;
    if (name == "max_over_time" && (v > acc || std::isnan(acc))) acc = v;
    if (name == "min_over_time" && (v < acc || std::isnan(acc))) acc = v;
  }
  return acc;
}

Value vectorValue(Vector v) {
  Value out;
  out.type = ValueType::Vector;
  out.vector = std::move(v);
  return out;
}

Value histogramQuantile(double q, Vector& in) {
  // Group by the labels without `le` and __name__, in first-seen order.
  std::vector<std::pair<Labels, std::vector<std::pair<double, double>>>> groups;
  for (auto& s : in) {
    std::string_view le = labelValue(s.labels, "le");
    char* end = nullptr;
    std::string leText(le);
    double upper = std::strtod(leText.c_str(), &end);
    if (leText.empty() || end != leText.c_str() + leText.size()) continue;  // not a bucket: ignored
    Labels key = dropMetricName(std::move(s.labels));
    std::erase_if(key, [](const Label& l) { return l.name == "le"; });
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
    if (it == groups.end()) {
      groups.push_back({std::move(key), {}});
      it = groups.end() - 1;
    }
    it->second.push_back({upper, s.v});
  }
  Vector out;
  for (auto& [labels, buckets] : groups) out.push_back({labels, bucketQuantile(q, std::move(buckets))});
  return vectorValue(std::move(out));
}

Value mapVector(Vector& in, const std::function<double(double)>& f) {
  for (auto& s : in) {
    s.labels = dropMetricName(std::move(s.labels));
    s.v = f(s.v);
  }
  return vectorValue(std::move(in));
}

}  // namespace

const FunctionInfo* findFunction(std::string_view name) {
  for (const auto& f : functions()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool isPrometheusFunction(std::string_view name) {
  static const char* kAll[] = {
      "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time",
      "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "days_in_month",
      "day_of_month", "day_of_week", "day_of_year", "deg", "delta", "deriv", "exp", "floor", "histogram_count",
      "histogram_sum", "histogram_fraction", "histogram_quantile", "holt_winters", "hour", "idelta", "increase",
      "irate", "label_replace", "label_join", "last_over_time", "ln", "log10", "log2", "max_over_time",
      "min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad",
      "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time",
      "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year"};
  for (const char* f : kAll) {
    if (name == f) return true;
  }
  return false;
}

double bucketQuantile(double q, std::vector<std::pair<double, double>> buckets) {
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(buckets.begin(), buckets.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (buckets.empty() || !(std::isinf(buckets.back().first) && buckets.back().first > 0)) return kNaN;
  // Buckets with the same upper bound (e.g. from series that differ only in a dropped label)
  // are merged by adding their counts, as Prometheus's coalesceBuckets does.
  std::vector<std::pair<double, double>> merged;
  for (const auto& b : buckets) {
    if (!merged.empty() && merged.back().first == b.first) {
      merged.back().second += b.second;
    } else {
      merged.push_back(b);
    }
  }
  // Cumulative counts must not decrease (scrapes of several buckets are not atomic).
  double max = -std::numeric_limits<double>::infinity();
  for (auto& b : merged) {
    if (b.second > max) {
      max = b.second;
    } else if (b.second < max) {
      b.second = max;
    }
  }
  if (merged.size() < 2) return kNaN;
  double observations = merged.back().second;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  // sort.Search over all but the last bucket: the first bucket whose count >= rank.
  size_t b = 0;
  while (b < merged.size() - 1 && !(merged[b].second >= rank)) ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].first;
  if (b == 0 && merged[0].first <= 0) return merged[0].first;
  double bucketStart = 0;
  double bucketEnd = merged[b].first;
  double count = merged[b].second;
  if (b > 0) {
    bucketStart = merged[b - 1].first;
    count -= merged[b - 1].second;
    rank -= merged[b - 1].second;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

Result<Value> callFunction(std::string_view name, std::vector<Value>& args, const RangeWindow& window,
                           Millis evalTime) {
  if (name == "rate" || name == "increase" || name == "irate" || name.ends_with("_over_time")) {
    Vector out;
    for (auto& s : args[0].matrix) {
      std::optional<double> v;
      if (name == "rate") v = extrapolatedRate(s.samples, window, true, true);
      else if (name == "increase") v = extrapolatedRate(s.samples, window, true, false);
      else if (name == "irate") v = instantRate(s.samples);
      else v = overTime(name, s.samples);
      if (v) out.push_back({dropMetricName(std::move(s.labels)), *v});
    }
    return vectorValue(std::move(out));
  }
  if (name == "histogram_quantile") return histogramQuantile(args[0].scalar, args[1].vector);
  if (name == "vector") return vectorValue({{Labels{}, args[0].scalar}});
  if (name == "scalar") {
    Value out;
    out.type = ValueType::Scalar;
    out.scalar = args[0].vector.size() == 1 ? args[0].vector[0].v : kNaN;
    return out;
  }
  if (name == "time") {
    Value out;
    out.type = ValueType::Scalar;
    out.scalar = static_cast<double>(evalTime) / 1000;
    return out;
  }
  Vector& in = args[0].vector;
  if (name == "abs") return mapVector(in, [](double v) { return std::fabs(v); });
  if (name == "ceil") return mapVector(in, [](double v) { return std::ceil(v); });
  if (name == "floor") return mapVector(in, [](double v) { return std::floor(v); });
  if (name == "exp") return mapVector(in, [](double v) { return std::exp(v); });
  if (name == "sqrt") return mapVector(in, [](double v) { return std::sqrt(v); });
  if (name == "ln") return mapVector(in, [](double v) { return std::log(v); });
  if (name == "log2") return mapVector(in, [](double v) { return std::log2(v); });
  if (name == "log10") return mapVector(in, [](double v) { return std::log10(v); });
  if (name == "clamp_min") {
    double lo = args[1].scalar;
    return mapVector(in, [lo](double v) { return goMax(lo, v); });
  }
  if (name == "clamp_max") {
    double hi = args[1].scalar;
    return mapVector(in, [hi](double v) { return goMin(hi, v); });
  }
  if (name == "clamp") {
    double lo = args[1].scalar, hi = args[2].scalar;
    if (hi < lo) return vectorValue({});  // Prometheus: empty result when max < min
    return mapVector(in, [lo, hi](double v) { return goMax(lo, goMin(hi, v)); });
  }
  if (name == "round") {
    double toNearest = args.size() > 1 ? args[1].scalar : 1;
    // Prometheus rounds half up via the inverse, which keeps e.g. round(x, 0.1) exact-ish.
    double inverse = 1.0 / toNearest;
    return mapVector(in, [inverse](double v) { return std::floor(v * inverse + 0.5) / inverse; });
  }
  return makeError(ErrorCode::Internal, "function without an implementation: " + std::string(name));
}

}  // namespace aviary::promql
