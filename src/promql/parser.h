#pragma once
// PromQL parser for the subset the embedded metrics server evaluates (docs/metrics-server.md):
// number and string literals, vector selectors with =, !=, =~, !~, range selectors, `offset`,
// the functions listed in functions.h, sum/avg/min/max/count with by/without, arithmetic and
// comparison operators (with `bool`, `on`, `ignoring`), unary minus and parentheses.
//
// Errors (code Invalid) read like Prometheus's: "LINE:COL: parse error: <what>". A construct that
// PromQL has but the subset lacks (subqueries, `@`, and/or/unless, group_left/right, topk,
// quantile, label_replace, ...) is an error that names it and ends with
// "; use --metrics-server with a real Prometheus" (kUnsupportedHint).
#include <string_view>

#include "common/result.h"
#include "promql/ast.h"

namespace aviary::promql {

inline constexpr std::string_view kUnsupportedHint =
    "is not supported by aviary's embedded metrics server; use --metrics-server with a real Prometheus";

// Parses and type-checks a query. Deterministic, no I/O; safe on any input (fuzzed).
Result<ExprPtr> parse(std::string_view query);

// Prometheus's duration syntax (model.ParseDuration): units y, w, d, h, m, s, ms in that order,
// each at most once ("1h30m", "5m", "100ms"). Error (Invalid) otherwise.
Result<Millis> parsePromDuration(std::string_view text);

}  // namespace aviary::promql
