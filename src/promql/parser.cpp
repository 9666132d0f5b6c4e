#include "promql/parser.h"

#include <algorithm>
#include <cctype>
#include <clocale>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "promql/functions.h"
#include "promql/lexer.h"

namespace aviary::promql {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool isSupportedAggregation(const std::string& op) {
  return op == "sum" || op == "avg" || op == "min" || op == "max" || op == "count";
}
bool isOtherAggregation(const std::string& op) {
  return op == "topk" || op == "bottomk" || op == "quantile" || op == "stddev" || op == "stdvar" ||
         op == "count_values" || op == "group";
}

struct OpInfo {
  int prec;
  bool rightAssoc;
};

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens) : query_(query), toks_(std::move(tokens)) {}

  Result<ExprPtr> run() {
    auto e = parseExpr(0);
    if (!e.ok()) return e;
    if (peek().kind != Tok::End) return unexpected(peek());
    return e;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return toks_[std::min(i_ + ahead, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }

  std::string where(size_t pos) const {
    size_t line = 1, col = 1;
    for (size_t k = 0; k < pos && k < query_.size(); ++k) {
      if (query_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return fmt::format("{}:{}", line, col);
  }
  Error error(size_t pos, const std::string& what) const {
    return makeError(ErrorCode::Invalid, fmt::format("{}: parse error: {}", where(pos), what));
  }
  Error unsupported(size_t pos, const std::string& construct) const {
    return error(pos, fmt::format("{} {}", construct, kUnsupportedHint));
  }
  Error unexpected(const Token& t) const {
    switch (t.kind) {
      case Tok::End: return error(t.pos, "unexpected end of input");
      case Tok::String: return error(t.pos, fmt::format("unexpected string \"{}\"", t.text));
      case Tok::Identifier: return error(t.pos, fmt::format("unexpected identifier \"{}\"", t.text));
      case Tok::Number: return error(t.pos, fmt::format("unexpected number \"{}\"", t.text));
      case Tok::Duration: return error(t.pos, fmt::format("unexpected duration \"{}\"", t.text));
      default: return error(t.pos, fmt::format("unexpected \"{}\"", t.text));
    }
  }
  Status expect(Tok kind, const char* what) {
    if (peek().kind != kind) {
      auto e = unexpected(peek());
      e.message += fmt::format(", expected {}", what);
      return e;
    }
    next();
    return okStatus();
  }

  // Binary operator at the cursor, or nullopt. Keyword operators are case-insensitive.
  std::optional<std::pair<std::string, OpInfo>> peekBinaryOp() const {
    const Token& t = peek();
    if (t.kind == Tok::Op) {
      const std::string& s = t.text;
      if (s == "^") return {{s, {6, true}}};
      if (s == "*" || s == "/" || s == "%") return {{s, {5, false}}};
      if (s == "+" || s == "-") return {{s, {4, false}}};
      if (s == "==" || s == "!=" || s == ">" || s == "<" || s == ">=" || s == "<=") return {{s, {3, false}}};
      return std::nullopt;
    }
    if (t.kind == Tok::Identifier) {
      std::string s = lower(t.text);
      if (s == "atan2") return {{s, {5, false}}};
      if (s == "and" || s == "unless") return {{s, {2, false}}};
      if (s == "or") return {{s, {1, false}}};
    }
    return std::nullopt;
  }

  Result<ExprPtr> parseExpr(int minPrec) {
    auto lhs = parseUnary();
    if (!lhs.ok()) return lhs;
    while (true) {
      auto op = peekBinaryOp();
      if (!op || op->second.prec < minPrec) break;
      const Token opTok = next();
      if (op->first == "and" || op->first == "or" || op->first == "unless" || op->first == "atan2") {
        return unsupported(opTok.pos, fmt::format("the \"{}\" operator", op->first));
      }
      auto node = std::make_unique<Expr>();
      node->kind = NodeKind::Binary;
      node->pos = (*lhs)->pos;
      node->op = *binOpFromString(op->first);
      // Modifiers: bool, on(...)/ignoring(...), group_left/group_right.
      if (peek().kind == Tok::Identifier && lower(peek().text) == "bool") {
        next();
        node->returnBool = true;
      }
      bool matching = false;
      if (peek().kind == Tok::Identifier && (lower(peek().text) == "on" || lower(peek().text) == "ignoring")) {
        node->on = lower(next().text) == "on";
        auto labels = parseLabelList();
        if (!labels.ok()) return labels.error();
        node->matchingLabels = std::move(*labels);
        matching = true;
      }
      if (peek().kind == Tok::Identifier &&
          (lower(peek().text) == "group_left" || lower(peek().text) == "group_right")) {
        return unsupported(peek().pos, fmt::format("many-to-one matching (\"{}\")", lower(peek().text)));
      }
      auto rhs = parseExpr(op->second.rightAssoc ? op->second.prec : op->second.prec + 1);
      if (!rhs.ok()) return rhs;
      node->args.push_back(std::move(*lhs));
      node->args.push_back(std::move(*rhs));
      auto checked = checkBinary(*node, opTok.pos, matching);
      if (!checked.ok()) return checked.error();
      lhs = std::move(node);
    }
    return lhs;
  }

  Status checkBinary(Expr& node, size_t opPos, bool matching) const {
    ValueType l = node.args[0]->type, r = node.args[1]->type;
    auto operand = [](ValueType t) { return t == ValueType::Scalar || t == ValueType::Vector; };
    if (!operand(l) || !operand(r)) {
      return error(opPos, "binary expression must contain only scalar and instant vector types");
    }
    if (node.returnBool && !isComparison(node.op)) {
      return error(opPos, "bool modifier can only be used on comparison operators");
    }
    if (l == ValueType::Scalar && r == ValueType::Scalar) {
      if (isComparison(node.op) && !node.returnBool) {
        return error(opPos, "comparisons between scalars must use BOOL modifier");
      }
      node.type = ValueType::Scalar;
    } else {
      node.type = ValueType::Vector;
    }
    if (matching && (l != ValueType::Vector || r != ValueType::Vector)) {
      return error(opPos, "vector matching only allowed between instant vectors");
    }
    return okStatus();
  }

  Result<ExprPtr> parseUnary() {
    const Token& t = peek();
    if (t.kind == Tok::Op && (t.text == "-" || t.text == "+")) {
      const Token opTok = next();
      auto operand = parseExpr(6);  // binds looser than ^ only: -2^2 == -4, as in Prometheus
      if (!operand.ok()) return operand;
      if ((*operand)->type != ValueType::Scalar && (*operand)->type != ValueType::Vector) {
        return error(opTok.pos, fmt::format("unary expression only allowed on expressions of type scalar or "
                                            "instant vector, got \"{}\"", toString((*operand)->type)));
      }
      if (opTok.text == "+") return operand;
      if ((*operand)->kind == NodeKind::Number) {
        (*operand)->number = -(*operand)->number;
        (*operand)->pos = opTok.pos;
        return operand;
      }
      auto node = std::make_unique<Expr>();
      node->kind = NodeKind::Unary;
      node->pos = opTok.pos;
      node->type = (*operand)->type;
      node->args.push_back(std::move(*operand));
      return ExprPtr(std::move(node));
    }
    return parsePostfix();
  }

  Result<ExprPtr> parsePostfix() {
    auto e = parsePrimary();
    if (!e.ok()) return e;
    while (true) {
      const Token& t = peek();
      if (t.kind == Tok::LBracket) {
        const Token open = next();
        if (peek().kind != Tok::Duration) return unexpected(peek());
        const Token dur = next();
        if (peek().kind == Tok::Colon) return unsupported(open.pos, "a subquery");
        auto range = parsePromDuration(dur.text);
        if (!range.ok()) return error(dur.pos, range.error().message);
        if (*range <= 0) return error(dur.pos, "range must be greater than 0");
        auto st = expect(Tok::RBracket, "\"]\"");
        if (!st.ok()) return st.error();
        if ((*e)->kind != NodeKind::VectorSelector || (*e)->offset != 0) {
          return error(open.pos, "ranges only allowed for vector selectors");
        }
        (*e)->kind = NodeKind::MatrixSelector;
        (*e)->type = ValueType::Matrix;
        (*e)->range = *range;
      } else if (t.kind == Tok::Identifier && lower(t.text) == "offset") {
        const Token kw = next();
        bool negative = false;
        if (peek().kind == Tok::Op && (peek().text == "-" || peek().text == "+")) negative = next().text == "-";
        if (peek().kind != Tok::Duration) return unexpected(peek());
        const Token dur = next();
        auto off = parsePromDuration(dur.text);
        if (!off.ok()) return error(dur.pos, off.error().message);
        if ((*e)->kind != NodeKind::VectorSelector && (*e)->kind != NodeKind::MatrixSelector) {
          return error(kw.pos, "offset modifier must be preceded by an instant vector selector or range vector selector");
        }
        if ((*e)->offset != 0) return error(kw.pos, "offset may not be set multiple times");
        (*e)->offset = negative ? -*off : *off;
      } else if (t.kind == Tok::At) {
        return unsupported(t.pos, "the @ modifier");
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> parsePrimary() {
    const Token t = peek();
    switch (t.kind) {
      case Tok::Number: {
        next();
        auto node = std::make_unique<Expr>();
        node->kind = NodeKind::Number;
        node->pos = t.pos;
        node->type = ValueType::Scalar;
        node->number = std::strtod(t.text.c_str(), nullptr);
        return ExprPtr(std::move(node));
      }
      case Tok::String: {
        next();
        auto node = std::make_unique<Expr>();
        node->kind = NodeKind::String;
        node->pos = t.pos;
        node->type = ValueType::String;
        node->text = t.text;
        return ExprPtr(std::move(node));
      }
      case Tok::LParen: {
        next();
        auto inner = parseExpr(0);
        if (!inner.ok()) return inner;
        auto st = expect(Tok::RParen, "\")\"");
        if (!st.ok()) return st.error();
        auto node = std::make_unique<Expr>();
        node->kind = NodeKind::Paren;
        node->pos = t.pos;
        node->type = (*inner)->type;
        node->args.push_back(std::move(*inner));
        return ExprPtr(std::move(node));
      }
      case Tok::LBrace: return parseSelector("", t.pos);
      case Tok::Identifier: {
        std::string name = lower(t.text);
        if (isSupportedAggregation(name)) return parseAggregate();
        if (isOtherAggregation(name)) return unsupported(t.pos, fmt::format("the \"{}\" aggregation", name));
        if (peek(1).kind == Tok::LParen) return parseCall();
        if (name == "by" || name == "without" || name == "on" || name == "ignoring" || name == "bool" ||
            name == "offset" || name == "group_left" || name == "group_right" || name == "and" || name == "or" ||
            name == "unless" || name == "atan2") {
          return unexpected(t);
        }
        next();
        return parseSelector(t.text, t.pos);
      }
      default: return unexpected(t);
    }
  }

  Result<std::vector<std::string>> parseLabelList() {
    auto st = expect(Tok::LParen, "\"(\"");
    if (!st.ok()) return st.error();
    std::vector<std::string> labels;
    while (peek().kind != Tok::RParen) {
      if (peek().kind != Tok::Identifier || peek().text.find(':') != std::string::npos) {
        auto e = unexpected(peek());
        e.message += " in grouping opts, expected label";
        return e;
      }
      labels.push_back(next().text);
      if (peek().kind == Tok::Comma) {
        next();
      } else if (peek().kind != Tok::RParen) {
        auto e = unexpected(peek());
        e.message += " in grouping opts, expected \",\" or \")\"";
        return e;
      }
    }
    next();
    return labels;
  }

  Result<ExprPtr> parseSelector(const std::string& metric, size_t pos) {
    auto node = std::make_unique<Expr>();
    node->kind = NodeKind::VectorSelector;
    node->type = ValueType::Vector;
    node->pos = pos;
    if (!metric.empty()) {
      auto m = Matcher::create(MatchType::Equal, std::string(kMetricName), metric);
      node->matchers.push_back(std::move(*m));
    }
    if (peek().kind == Tok::LBrace) {
      next();
      while (peek().kind != Tok::RBrace) {
        const Token name = peek();
        if (name.kind != Tok::Identifier || name.text.find(':') != std::string::npos) {
          auto e = unexpected(name);
          e.message += " in label matching, expected label";
          return e;
        }
        next();
        const Token op = next();
        MatchType type;
        if (op.kind == Tok::Assign) {
          type = MatchType::Equal;
        } else if (op.kind == Tok::Op && op.text == "!=") {
          type = MatchType::NotEqual;
        } else if (op.kind == Tok::Op && op.text == "=~") {
          type = MatchType::Regex;
        } else if (op.kind == Tok::Op && op.text == "!~") {
          type = MatchType::NotRegex;
        } else {
          auto e = unexpected(op);
          e.message += " in label matching, expected one of \"=\", \"!=\", \"=~\" or \"!~\"";
          return e;
        }
        if (peek().kind != Tok::String) {
          auto e = unexpected(peek());
          e.message += " in label matching, expected string";
          return e;
        }
        const Token value = next();
        if (name.text == kMetricName && !metric.empty()) {
          return error(name.pos, "metric name must not be set twice: \"" + metric + "\" or \"" + value.text + "\"");
        }
        auto m = Matcher::create(type, name.text, value.text);
        if (!m.ok()) return error(value.pos, m.error().message);
        node->matchers.push_back(std::move(*m));
        if (peek().kind == Tok::Comma) {
          next();
        } else if (peek().kind != Tok::RBrace) {
          auto e = unexpected(peek());
          e.message += " in label matching, expected \",\" or \"}\"";
          return e;
        }
      }
      next();
    }
    bool nonEmpty = std::any_of(node->matchers.begin(), node->matchers.end(),
                                [](const Matcher& m) { return !m.matchesEmpty(); });
    if (!nonEmpty) return error(pos, "vector selector must contain at least one non-empty matcher");
    return ExprPtr(std::move(node));
  }

  Result<ExprPtr> parseAggregate() {
    const Token opTok = next();
    auto node = std::make_unique<Expr>();
    node->kind = NodeKind::Aggregate;
    node->type = ValueType::Vector;
    node->pos = opTok.pos;
    node->text = lower(opTok.text);
    auto grouping = [&]() -> Status {
      if (peek().kind == Tok::Identifier && (lower(peek().text) == "by" || lower(peek().text) == "without")) {
        node->without = lower(next().text) == "without";
        auto labels = parseLabelList();
        if (!labels.ok()) return labels.error();
        node->grouping = std::move(*labels);
        hadGrouping_ = true;
      }
      return okStatus();
    };
    hadGrouping_ = false;
    if (auto st = grouping(); !st.ok()) return st.error();
    bool before = hadGrouping_;
    auto st = expect(Tok::LParen, "\"(\"");
    if (!st.ok()) return st.error();
    auto arg = parseExpr(0);
    if (!arg.ok()) return arg;
    if (peek().kind == Tok::Comma) return error(peek().pos, fmt::format("wrong number of arguments for aggregate expression provided, expected 1, got 2"));
    st = expect(Tok::RParen, "\")\"");
    if (!st.ok()) return st.error();
    if (!before) {
      if (auto g = grouping(); !g.ok()) return g.error();
    } else if (peek().kind == Tok::Identifier && (lower(peek().text) == "by" || lower(peek().text) == "without")) {
      return error(peek().pos, "aggregation must only contain one grouping clause");
    }
    if ((*arg)->type != ValueType::Vector) {
      return error((*arg)->pos, fmt::format("expected type instant vector in aggregation expression, got {}",
                                            typeName((*arg)->type)));
    }
    node->args.push_back(std::move(*arg));
    return ExprPtr(std::move(node));
  }

  Result<ExprPtr> parseCall() {
    const Token nameTok = next();
    next();  // (
    const FunctionInfo* info = findFunction(nameTok.text);
    if (info == nullptr) {
      if (isPrometheusFunction(nameTok.text)) {
        return unsupported(nameTok.pos, fmt::format("the function \"{}\"", nameTok.text));
      }
      return error(nameTok.pos, fmt::format("unknown function with name \"{}\"", nameTok.text));
    }
    auto node = std::make_unique<Expr>();
    node->kind = NodeKind::Call;
    node->pos = nameTok.pos;
    node->text = nameTok.text;
    node->type = info->returns;
    while (peek().kind != Tok::RParen) {
      auto arg = parseExpr(0);
      if (!arg.ok()) return arg;
      node->args.push_back(std::move(*arg));
      if (peek().kind == Tok::Comma) {
        next();
      } else if (peek().kind != Tok::RParen) {
        auto e = unexpected(peek());
        e.message += " in call to function \"" + nameTok.text + "\", expected \",\" or \")\"";
        return e;
      }
    }
    next();
    size_t n = node->args.size();
    if (n < info->minArgs || n > info->args.size()) {
      std::string expected = info->minArgs == info->args.size()
                                 ? std::to_string(info->minArgs)
                                 : fmt::format("at least {}", info->minArgs);
      if (n > info->args.size()) expected = fmt::format("at most {}", info->args.size());
      if (info->minArgs == info->args.size()) expected = std::to_string(info->minArgs);
      return error(nameTok.pos, fmt::format("expected {} argument(s) in call to \"{}\", got {}", expected,
                                            nameTok.text, n));
    }
    for (size_t k = 0; k < n; ++k) {
      if (node->args[k]->type != info->args[k]) {
        return error(node->args[k]->pos, fmt::format("expected type {} in call to function \"{}\", got {}",
                                                     typeName(info->args[k]), nameTok.text,
                                                     typeName(node->args[k]->type)));
      }
    }
    return ExprPtr(std::move(node));
  }

  static std::string typeName(ValueType t) {
    switch (t) {
      case ValueType::Scalar: return "scalar";
      case ValueType::Vector: return "instant vector";
      case ValueType::Matrix: return "range vector";
      case ValueType::String: return "string";
    }
    return "?";
  }

  std::string_view query_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  bool hadGrouping_ = false;
};

}  // namespace

std::optional<BinOp> binOpFromString(std::string_view s) {
  if (s == "+") return BinOp::Add;
  if (s == "-") return BinOp::Sub;
  if (s == "*") return BinOp::Mul;
  if (s == "/") return BinOp::Div;
  if (s == "%") return BinOp::Mod;
  if (s == "^") return BinOp::Pow;
  if (s == "==") return BinOp::Eq;
  if (s == "!=") return BinOp::Ne;
  if (s == ">") return BinOp::Gt;
  if (s == "<") return BinOp::Lt;
  if (s == ">=") return BinOp::Ge;
  if (s == "<=") return BinOp::Le;
  return std::nullopt;
}

Result<Millis> parsePromDuration(std::string_view text) {
  static const std::pair<const char*, Millis> kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
      {"h", 3600LL * 1000},            {"m", 60LL * 1000},            {"s", 1000},
      {"ms", 1}};
  auto bad = [&] { return makeError(ErrorCode::Invalid, fmt::format("not a valid duration string: \"{}\"", text)); };
  if (text.empty()) return bad();
  Millis total = 0;
  size_t i = 0, unitIndex = 0;
  while (i < text.size()) {
    size_t j = i;
    Millis n = 0;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) {
      if (n > (INT64_MAX / 10)) return bad();
      n = n * 10 + (text[j] - '0');
      ++j;
    }
    if (j == i) return bad();
    size_t k = j;
    while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k]))) ++k;
    std::string_view unit = text.substr(j, k - j);
    bool found = false;
    for (; unitIndex < std::size(kUnits); ++unitIndex) {
      if (unit == kUnits[unitIndex].first) {
        found = true;
        break;
      }
    }
    if (!found) return bad();
    Millis mult = kUnits[unitIndex].second;
    if (n > INT64_MAX / mult || total > INT64_MAX - n * mult) return bad();
    total += n * mult;
    ++unitIndex;
    i = k;
  }
  return total;
}

Result<ExprPtr> parse(std::string_view query) {
  auto tokens = lex(query);
  if (!tokens.ok()) {
    return makeError(ErrorCode::Invalid, "parse error " + tokens.error().message);
  }
  return Parser(query, std::move(*tokens)).run();
}

}  // namespace aviary::promql
