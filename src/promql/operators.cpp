// Binary operators and aggregations with Prometheus 2.42's semantics (promql/engine.go):
// one-to-one vector matching on all labels but __name__ (or on(...)/ignoring(...)), comparison
// operators filtering unless `bool`, __name__ dropped by arithmetic and by `bool`.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "promql/engine.h"

namespace aviary::promql {
namespace {

struct Elem {
  double value;
  bool keep;
};

// vectorElemBinop / scalarBinop: the value and, for comparisons, whether the pair passes.
Elem apply(BinOp op, double l, double r) {
  switch (op) {
    case BinOp::Add: return {l + r, true};
    case BinOp::Sub: return {l - r, true};
    case BinOp::Mul: return {l * r, true};
    case BinOp::Div: return {l / r, true};
    case BinOp::Pow: return {std::pow(l, r), true};
    case BinOp::Mod: return {std::fmod(l, r), true};
    case BinOp::Eq: return {l, l == r};
    case BinOp::Ne: return {l, l != r};
    case BinOp::Gt: return {l, l > r};
    case BinOp::Lt: return {l, l < r};
    case BinOp::Ge: return {l, l >= r};
    case BinOp::Le: return {l, l <= r};
  }
  return {std::numeric_limits<double>::quiet_NaN(), false};
}

bool dropsName(BinOp op, bool returnBool) { return !isComparison(op) || returnBool; }

// The matching signature: the `on` labels only, or all labels but __name__ and the `ignoring` ones.
std::string signature(const Labels& labels, const Expr& node) {
  std::string sig;
  auto add = [&](std::string_view name, std::string_view value) {
    sig += name;
    sig += '\xff';
    sig += value;
    sig += '\xff';
  };
  const auto& names = node.matchingLabels;
  if (node.on) {
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& n : sorted) {
      std::string_view v = labelValue(labels, n);
      if (!v.empty()) add(n, v);
    }
  } else {
    for (const auto& l : labels) {
      if (l.name == kMetricName || std::find(names.begin(), names.end(), l.name) != names.end()) continue;
      add(l.name, l.value);
    }
  }
  return sig;
}

Labels matchedLabels(const Labels& labels, const Expr& node) {
  Labels out;
  for (const auto& l : labels) {
    bool listed = std::find(node.matchingLabels.begin(), node.matchingLabels.end(), l.name) != node.matchingLabels.end();
    if (node.on ? listed : (!listed && l.name != kMetricName)) out.push_back(l);
  }
  return out;
}

Labels resultLabels(Labels lhs, const Expr& node) {
  if (dropsName(node.op, node.returnBool)) lhs = dropMetricName(std::move(lhs));
  if (node.on) {
    std::erase_if(lhs, [&](const Label& l) {
      return std::find(node.matchingLabels.begin(), node.matchingLabels.end(), l.name) == node.matchingLabels.end();
    });
  } else {
    std::erase_if(lhs, [&](const Label& l) {
      return std::find(node.matchingLabels.begin(), node.matchingLabels.end(), l.name) != node.matchingLabels.end();
    });
  }
  return lhs;
}

Result<Vector> vectorBinop(const Expr& node, Vector lhs, Vector rhs) {
  std::map<std::string, const VectorSample*> rightSigs;
  for (const auto& rs : rhs) {
    std::string sig = signature(rs.labels, node);
    auto [it, inserted] = rightSigs.emplace(sig, &rs);
    if (!inserted) {
      return makeError(ErrorCode::Invalid,
                       fmt::format("found duplicate series for the match group {} on the right hand-side of the "
                                   "operation: [{}, {}];many-to-many matching not allowed: matching labels must be "
                                   "unique on one side",
                                   formatLabels(matchedLabels(rs.labels, node)), formatLabels(rs.labels),
                                   formatLabels(it->second->labels)));
    }
  }
  Vector out;
  std::map<std::string, bool> matched;
  for (auto& ls : lhs) {
    std::string sig = signature(ls.labels, node);
    auto it = rightSigs.find(sig);
    if (it == rightSigs.end()) continue;
    Elem e = apply(node.op, ls.v, it->second->v);
    if (node.returnBool) {
      e.value = e.keep ? 1 : 0;
    } else if (!e.keep) {
      continue;
    }
    if (!matched.emplace(sig, true).second) {
      return makeError(ErrorCode::Invalid,
                       "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
    }
    out.push_back({resultLabels(std::move(ls.labels), node), e.value});
  }
  return out;
}

Vector scalarBinop(const Expr& node, Vector v, double scalar, bool scalarOnLeft) {
  Vector out;
  out.reserve(v.size());
  for (auto& s : v) {
    double l = scalarOnLeft ? scalar : s.v;
    double r = scalarOnLeft ? s.v : scalar;
    Elem e = apply(node.op, l, r);
    // A comparison keeps the vector element's value even when the scalar is on the left.
    if (isComparison(node.op) && scalarOnLeft) e.value = r;
    if (node.returnBool) {
      e.value = e.keep ? 1 : 0;
      e.keep = true;
    }
    if (!e.keep) continue;
    Labels labels = dropsName(node.op, node.returnBool) ? dropMetricName(std::move(s.labels)) : std::move(s.labels);
    out.push_back({std::move(labels), e.value});
  }
  return out;
}

}  // namespace

const char* toString(BinOp op) {
  switch (op) {
    case BinOp::Add: return "+";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
    case BinOp::Div: return "/";
    case BinOp::Mod: return "%";
    case BinOp::Pow: return "^";
    case BinOp::Eq: return "==";
    case BinOp::Ne: return "!=";
    case BinOp::Gt: return ">";
    case BinOp::Lt: return "<";
    case BinOp::Ge: return ">=";
    case BinOp::Le: return "<=";
  }
  return "?";
}

bool isComparison(BinOp op) { return op >= BinOp::Eq; }

Result<Value> evalBinary(const Expr& node, Value lhs, Value rhs) {
  Value out;
  if (lhs.type == ValueType::Scalar && rhs.type == ValueType::Scalar) {
    Elem e = apply(node.op, lhs.scalar, rhs.scalar);
    out.type = ValueType::Scalar;
    out.scalar = node.returnBool ? (e.keep ? 1 : 0) : e.value;
    return out;
  }
  out.type = ValueType::Vector;
  if (lhs.type == ValueType::Vector && rhs.type == ValueType::Vector) {
    auto v = vectorBinop(node, std::move(lhs.vector), std::move(rhs.vector));
    if (!v.ok()) return v.error();
    out.vector = std::move(*v);
  } else if (lhs.type == ValueType::Vector) {
    out.vector = scalarBinop(node, std::move(lhs.vector), rhs.scalar, false);
  } else {
    out.vector = scalarBinop(node, std::move(rhs.vector), lhs.scalar, true);
  }
  if (auto st = checkUniqueLabelSets(out.vector); !st.ok()) return st.error();
  return out;
}

Result<Vector> evalAggregate(const Expr& node, Vector input) {
  struct Group {
    Labels labels;
    double value = 0;
    double mean = 0;
    double count = 0;
  };
  std::map<Labels, Group> groups;
  const std::string& op = node.text;
  for (auto& s : input) {
    Labels key;
    for (const auto& l : s.labels) {
      bool listed = std::find(node.grouping.begin(), node.grouping.end(), l.name) != node.grouping.end();
      if (node.without ? (!listed && l.name != kMetricName) : listed) key.push_back(l);
    }
    auto [it, fresh] = groups.try_emplace(key);
    Group& g = it->second;
    if (fresh) {
      g.labels = std::move(key);
      g.value = s.v;
      g.mean = s.v;
      g.count = 1;
      continue;
    }
    g.count++;
    if (op == "sum") {
      g.value += s.v;
    } else if (op == "avg") {
      if (std::isinf(g.mean)) {
        if (std::isinf(s.v) && (g.mean > 0) == (s.v > 0)) continue;
        if (!std::isinf(s.v) && !std::isnan(s.v)) continue;
      }
      g.mean += s.v / g.count - g.mean / g.count;
    } else if (op == "max") {
      if (g.value < s.v || std::isnan(g.value)) g.value = s.v;
    } else if (op == "min") {
      if (g.value > s.v || std::isnan(g.value)) g.value = s.v;
    }
  }
  Vector out;
  out.reserve(groups.size());
  for (auto& [key, g] : groups) {
    double v = g.value;
    if (op == "avg") v = g.mean;
    if (op == "count") v = g.count;
    out.push_back({std::move(g.labels), v});
  }
  return out;
}

}  // namespace aviary::promql
