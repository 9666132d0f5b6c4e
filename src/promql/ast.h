#pragma once
// The PromQL syntax tree the parser builds and the evaluator walks. One node type with a kind tag
// keeps the tree small and easy to print; every node knows the type of value it yields (checked
// at parse time, as Prometheus does) and its byte offset in the query (for error messages).
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "promql/matcher.h"
#include "promql/value.h"

namespace aviary::promql {

enum class NodeKind { Number, String, VectorSelector, MatrixSelector, Call, Aggregate, Binary, Unary, Paren };

enum class BinOp { Add, Sub, Mul, Div, Mod, Pow, Eq, Ne, Gt, Lt, Ge, Le };
const char* toString(BinOp op);
std::optional<BinOp> binOpFromString(std::string_view s);  // "+", "==", ...
bool isComparison(BinOp op);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  NodeKind kind = NodeKind::Number;
  ValueType type = ValueType::Scalar;
  size_t pos = 0;  // byte offset of the node's first token

  double number = 0;  // Number
  std::string text;   // String; Call: function name; Aggregate: operator ("sum", ...)

  // VectorSelector / MatrixSelector
  Matchers matchers;  // includes __name__="metric" when the metric name was written
  Millis range = 0;   // MatrixSelector: the [range]
  Millis offset = 0;  // `offset` (may be negative)

  // Call: arguments. Aggregate: args[0] the vector (and a parameter first for ops that take one).
  // Unary / Paren: args[0]. Binary: args[0] lhs, args[1] rhs.
  std::vector<ExprPtr> args;

  // Aggregate grouping: `by` (without == false) or `without` labels.
  bool without = false;
  std::vector<std::string> grouping;

  // Binary
  BinOp op = BinOp::Add;
  bool returnBool = false;
  bool on = false;                        // on(...) given (else ignoring(...) or none)
  std::vector<std::string> matchingLabels;
};

}  // namespace aviary::promql
