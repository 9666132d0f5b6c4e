#pragma once
// Instant evaluation of a parsed PromQL expression over a Queryable, with Prometheus 2.42's
// semantics for the subset (see parser.h): 5-minute lookback for instant selectors (samples in
// [t - 5m, t], the newest one, none when it is a staleness marker), range selectors over
// [t - range, t] (staleness markers dropped), `offset` shifting both.
//
// Result ordering: vectors are sorted by label set (Prometheus leaves instant results in map
// order, so clients must not depend on it). Execution errors (code Invalid) carry Prometheus's
// wording, e.g. "vector cannot contain metrics with the same labelset" or "found duplicate series
// for the match group ...". Thread-safe: evaluation holds no state between calls.
#include "common/result.h"
#include "promql/ast.h"
#include "promql/storage.h"
#include "promql/value.h"

namespace aviary::promql {

struct EngineOptions {
  Millis lookbackDelta = 5 * 60 * 1000;  // Prometheus's --query.lookback-delta default
};

Result<Value> evaluate(const Expr& expr, const Queryable& storage, Millis time, const EngineOptions& options = {});

// parse() then evaluate(); parse errors and execution errors are told apart by `phase`.
enum class QueryPhase { Parse, Execute };
struct QueryError {
  QueryPhase phase;
  Error error;
};
Result<Value> query(std::string_view text, const Queryable& storage, Millis time, QueryPhase* failedPhase = nullptr,
                    const EngineOptions& options = {});

// Operators (operators.cpp), exposed for the evaluator.
Result<Value> evalBinary(const Expr& node, Value lhs, Value rhs);
Result<Vector> evalAggregate(const Expr& node, Vector input);
// Error when two elements share a label set (Prometheus checks this after name-dropping steps).
Status checkUniqueLabelSets(Vector& v);

}  // namespace aviary::promql
