#include "promql/engine.h"

#include <algorithm>
#include <cmath>

#include "promql/functions.h"
#include "promql/parser.h"

namespace aviary::promql {
namespace {

class Evaluator {
 public:
  Evaluator(const Queryable& storage, Millis time, const EngineOptions& options)
      : storage_(storage), time_(time), options_(options) {}

  Result<Value> eval(const Expr& e) {
    switch (e.kind) {
      case NodeKind::Number: {
        Value v;
        v.type = ValueType::Scalar;
        v.scalar = e.number;
        return v;
      }
      case NodeKind::String: {
        Value v;
        v.type = ValueType::String;
        v.string = e.text;
        return v;
      }
      case NodeKind::Paren: return eval(*e.args[0]);
      case NodeKind::VectorSelector: return instantSelect(e);
      case NodeKind::MatrixSelector: {
        Value v;
        v.type = ValueType::Matrix;
        v.matrix = rangeSelect(e);
        return v;
      }
      case NodeKind::Unary: {
        auto inner = eval(*e.args[0]);
        if (!inner.ok()) return inner;
        if (inner->type == ValueType::Scalar) {
          inner->scalar = -inner->scalar;
          return inner;
        }
        for (auto& s : inner->vector) {
          s.labels = dropMetricName(std::move(s.labels));
          s.v = -s.v;
        }
        if (auto st = checkUniqueLabelSets(inner->vector); !st.ok()) return st.error();
        return inner;
      }
      case NodeKind::Binary: {
        auto lhs = eval(*e.args[0]);
        if (!lhs.ok()) return lhs;
        auto rhs = eval(*e.args[1]);
        if (!rhs.ok()) return rhs;
        return evalBinary(e, std::move(*lhs), std::move(*rhs));
      }
      case NodeKind::Aggregate: {
        auto in = eval(*e.args[0]);
        if (!in.ok()) return in;
        auto out = evalAggregate(e, std::move(in->vector));
        if (!out.ok()) return out.error();
        Value v;
        v.vector = std::move(*out);
        return v;
      }
      case NodeKind::Call: return call(e);
    }
    return makeError(ErrorCode::Internal, "unknown expression node");
  }

 private:
  Result<Value> call(const Expr& e) {
    std::vector<Value> args;
    RangeWindow window;
    for (const auto& a : e.args) {
      if (a->kind == NodeKind::MatrixSelector) {
        window.end = time_ - a->offset;
        window.range = a->range;
      }
      auto v = eval(*a);
      if (!v.ok()) return v;
      args.push_back(std::move(*v));
    }
    auto out = callFunction(e.text, args, window, time_);
    if (!out.ok()) return out;
    if (out->type == ValueType::Vector) {
      if (auto st = checkUniqueLabelSets(out->vector); !st.ok()) return st.error();
    }
    return out;
  }

  // Newest sample in [t - offset - lookback, t - offset]; none when it is a staleness marker.
  Result<Value> instantSelect(const Expr& e) {
    const Millis ref = time_ - e.offset;
    auto series = storage_.selectLatest(e.matchers, ref - options_.lookbackDelta, ref);
    Value v;
    v.vector.reserve(series.size());
    for (auto& s : series) {
      if (s.samples.empty() || isStaleNaN(s.samples.back().v)) continue;
      v.vector.push_back({std::move(s.labels), s.samples.back().v});
    }
    return v;
  }

  std::vector<Series> rangeSelect(const Expr& e) {
    const Millis end = time_ - e.offset;
    auto series = storage_.select(e.matchers, end - e.range, end);
    for (auto& s : series) {
      std::erase_if(s.samples, [](const Sample& x) { return isStaleNaN(x.v); });
    }
    std::erase_if(series, [](const Series& s) { return s.samples.empty(); });
    return series;
  }

  const Queryable& storage_;
  Millis time_;
  const EngineOptions& options_;
};

}  // namespace

Status checkUniqueLabelSets(Vector& v) {
  std::sort(v.begin(), v.end(), [](const VectorSample& a, const VectorSample& b) { return a.labels < b.labels; });
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i].labels == v[i - 1].labels) {
      return makeError(ErrorCode::Invalid, "vector cannot contain metrics with the same labelset");
    }
  }
  return okStatus();
}

Result<Value> evaluate(const Expr& expr, const Queryable& storage, Millis time, const EngineOptions& options) {
  auto v = Evaluator(storage, time, options).eval(expr);
  if (v.ok() && v->type == ValueType::Vector) {
    std::sort(v->vector.begin(), v->vector.end(),
              [](const VectorSample& a, const VectorSample& b) { return a.labels < b.labels; });
  }
  return v;
}

Result<Value> query(std::string_view text, const Queryable& storage, Millis time, QueryPhase* failedPhase,
                    const EngineOptions& options) {
  auto expr = parse(text);
  if (!expr.ok()) {
    if (failedPhase) *failedPhase = QueryPhase::Parse;
    return expr.error();
  }
  auto v = evaluate(**expr, storage, time, options);
  if (!v.ok() && failedPhase) *failedPhase = QueryPhase::Execute;
  return v;
}

}  // namespace aviary::promql
