#pragma once
// The PromQL functions the subset implements, with Prometheus 2.42's semantics
// (promql/functions.go): rate, irate, increase (extrapolated, counter resets handled),
// sum/avg/min/max/count_over_time, histogram_quantile (buckets sorted, equal bounds merged,
// monotonicity enforced, +Inf required), vector, scalar, time, abs, ceil, floor, exp, sqrt, ln,
// log2, log10, clamp, clamp_min, clamp_max, round. Every function but vector/scalar/time drops
// __name__ from its output.
#include <string_view>
#include <vector>

#include "common/result.h"
#include "promql/value.h"

namespace aviary::promql {

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> args;
  size_t minArgs = 0;
  ValueType returns = ValueType::Vector;
};

// The implemented function, or null.
const FunctionInfo* findFunction(std::string_view name);
// True for any function Prometheus 2.42 knows (to tell "unsupported" from "unknown").
bool isPrometheusFunction(std::string_view name);

// The window a range-vector argument was selected over: (ends included) [end - range, end].
struct RangeWindow {
  Millis end = 0;
  Millis range = 0;
};

// Applies `name` to evaluated arguments (a Matrix argument holds the selected series with stale
// markers already removed). `evalTime` is the query's evaluation time (for time()). Errors
// (Invalid) for what Prometheus reports at run time.
Result<Value> callFunction(std::string_view name, std::vector<Value>& args, const RangeWindow& window, Millis evalTime);

// histogram_quantile's bucket interpolation (exposed for unit tests). `buckets` are
// (upper bound, cumulative count) pairs in any order.
double bucketQuantile(double q, std::vector<std::pair<double, double>> buckets);

}  // namespace aviary::promql
