#pragma once
// The values PromQL works on: label sets, samples, series, instant vectors, and Prometheus's way
// of writing numbers and timestamps. Times are milliseconds since the Unix epoch (as in
// Prometheus's TSDB).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aviary::promql {

using Millis = int64_t;

struct Label {
  std::string name, value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

// A label set: sorted by name, names unique, no empty values (an empty value means "absent").
// "__name__" holds the metric name, as in Prometheus.
using Labels = std::vector<Label>;

inline constexpr std::string_view kMetricName = "__name__";

// The value of `name`, or "" when absent.
std::string_view labelValue(const Labels& labels, std::string_view name);
// Sorts by name and drops empty values (input may be in any order; duplicate names: last wins).
Labels normalizeLabels(Labels labels);
// `labels` without __name__.
Labels dropMetricName(Labels labels);
// Prometheus's Labels.String(): {a="1", b="x\"y"} (values Go-quoted, ", " separated).
std::string formatLabels(const Labels& labels);

struct Sample {
  Millis t = 0;
  double v = 0;
};

// A series with samples in time order.
struct Series {
  Labels labels;
  std::vector<Sample> samples;
};

// One element of an instant vector.
struct VectorSample {
  Labels labels;
  double v = 0;
};
using Vector = std::vector<VectorSample>;

enum class ValueType { Scalar, Vector, Matrix, String };
const char* toString(ValueType type);  // "scalar", "vector", "matrix", "string" (the API's resultType)

// The result of evaluating an expression at one instant.
struct Value {
  ValueType type = ValueType::Vector;
  double scalar = 0;          // type Scalar
  Vector vector;              // type Vector
  std::vector<Series> matrix; // type Matrix (a bare range selector)
  std::string string;         // type String
};

// Prometheus's staleness marker: a NaN with a distinct bit pattern (value.StaleNaN) that ends a
// series; ordinary NaN samples are values.
double staleNaN();
bool isStaleNaN(double v);

// Go's strconv.FormatFloat(v, 'f', -1, 64) as Prometheus writes sample values: the shortest
// decimal that reads back exactly, never an exponent; "NaN", "+Inf", "-Inf".
std::string formatFloat(double v);
// Prometheus's JSON timestamp: seconds, then '.' and three digits when ms != 0 ("12.050").
std::string formatTimestamp(Millis t);

}  // namespace aviary::promql
