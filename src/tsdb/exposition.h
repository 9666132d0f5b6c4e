#pragma once
// Parser for Prometheus's text exposition format 0.0.4 (what /metrics and /stats/prometheus
// serve): `# HELP` / `# TYPE` / comment lines, and samples
//   name[{label="value",...}] value [timestamp_ms]
// with Go float syntax for values (NaN, +Inf, -Inf, exponents), label values escaped with \\, \"
// and \n, an optional trailing comma in the label list.
//
// A malformed line fails the whole body (Prometheus rejects such a scrape too): Error (Invalid)
// "line N: expected <what>, found <text>". Safe on any input (fuzzed); no allocation beyond the
// result.
#include <optional>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "promql/value.h"

namespace aviary::tsdb {

struct ParsedSample {
  promql::Labels labels;        // includes __name__; normalized (sorted)
  double value = 0;
  std::optional<promql::Millis> timestamp;  // explicit timestamp, when the line has one
};

Result<std::vector<ParsedSample>> parseExposition(std::string_view body);

// Go's strconv.ParseFloat for the spellings exposition and PromQL use. False when `text` is not
// a number in full.
bool parseGoFloat(std::string_view text, double& out);

}  // namespace aviary::tsdb
