// Parser of the Go text/template subset (see query_template.h for the subset and
// query_template.cpp for why it is hand-written).
#include "metrics/query_template_parse.h"
#include "common/quote.h"

#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

namespace aviary::metrics::tmpl {

bool isModelFunction(const std::string& id) {
  return id == "name" || id == "namespace" || id == "target" || id == "service" || id == "ingress" || id == "route" ||
         id == "interval" || id == "variables";
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

namespace {

constexpr const char* kKnownFunctions =
    "name, namespace, target, service, ingress, route, interval, variables, printf, print, index, len";

bool isBuiltin(const std::string& id) {
  return id == "printf" || id == "print" || id == "index" || id == "len";
}
bool isKeyword(const std::string& id) {
  static const char* kws[] = {"if",       "else", "end",  "range", "with", "define", "template", "block", "break",
                              "continue", "nil",  "true", "false", "and",  "or",     "not",      "eq",    "ne",
                              "lt",       "le",   "gt",   "ge",    "html", "js",     "urlquery", "call",  "slice"};
  for (const char* k : kws) {
    if (id == k) return true;
  }
  return false;
}
bool isIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool isIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class Parser {
 public:
  Parser(std::string_view src, int line) : s_(src), line_(line) {}

  // Parses one action's pipeline; `pos_` ends at the end of the action text.
  Result<std::shared_ptr<Pipeline>> pipeline(bool inParen) {
    auto p = std::make_shared<Pipeline>();
    Command cmd;
    for (;;) {
      skipSpaces();
      if (pos_ >= s_.size() || (inParen && s_[pos_] == ')')) break;
      char c = s_[pos_];
      if (c == '|') {
        if (cmd.empty()) return fail("missing command before '|'");
        p->commands.push_back(std::move(cmd));
        cmd.clear();
        ++pos_;
        continue;
      }
      auto op = operand();
      if (!op.ok()) return op.error();
      cmd.push_back(std::move(*op));
    }
    if (cmd.empty()) return fail(p->commands.empty() ? "missing value for command" : "missing command after '|'");
    p->commands.push_back(std::move(cmd));
    return p;
  }
  bool atEnd() {
    skipSpaces();
    return pos_ >= s_.size();
  }

 private:
  Error fail(const std::string& what) const {
    return makeError(ErrorCode::Invalid, fmt::format("template parsing failed: line {}: {}", line_, what));
  }
  void skipSpaces() {
    while (pos_ < s_.size() && isSpace(s_[pos_])) ++pos_;
  }

  Result<Operand> operand() {
    Operand op;
    char c = s_[pos_];
    if (c == '"' || c == '`') {
      auto str = stringLiteral();
      if (!str.ok()) return str.error();
      op.kind = Operand::Kind::String;
      op.text = std::move(*str);
      return op;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '-' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
      size_t start = pos_++;
      while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.')) ++pos_;
      std::string num(s_.substr(start, pos_ - start));
      char* end = nullptr;
      op.number = std::strtod(num.c_str(), &end);
      if (end == nullptr || *end != '\0') return fail(fmt::format("bad number syntax: {}", quote(num)));
      op.kind = Operand::Kind::Number;
      return op;
    }
    if (c == '(') {
      // Bounded recursion: templates come from users' files, and each level costs stack here and
      // again when the template is executed.
      if (depth_ >= kMaxParenDepth) return fail(fmt::format("parentheses nested deeper than {}", kMaxParenDepth));
      ++pos_;
      ++depth_;
      auto sub = pipeline(true);
      --depth_;
      if (!sub.ok()) return sub.error();
      if (pos_ >= s_.size() || s_[pos_] != ')') return fail("unclosed left paren");
      ++pos_;
      op.kind = Operand::Kind::Paren;
      op.sub = std::move(*sub);
      return fieldChain(std::move(op));
    }
    if (c == '.') {
      return fail(
          "field access on the data (\".\") is not supported: the query model is exposed as functions, "
          "e.g. {{ namespace }} or {{ variables.key }}");
    }
    if (c == '$') return fail("template variables ($x) are not supported by Aviary's template subset");
    if (!isIdentStart(c)) return fail(fmt::format("unexpected {} in command", quote(std::string(1, c))));
    size_t start = pos_;
    while (pos_ < s_.size() && isIdentChar(s_[pos_])) ++pos_;
    op.kind = Operand::Kind::Func;
    op.text = std::string(s_.substr(start, pos_ - start));
    if (isKeyword(op.text)) {
      return fail(fmt::format("{} is not supported by Aviary's template subset (supported functions: {})", quote(op.text),
                              kKnownFunctions));
    }
    if (!isModelFunction(op.text) && !isBuiltin(op.text)) {
      return fail(fmt::format("function {} not defined (known: {})", quote(op.text), kKnownFunctions));
    }
    return fieldChain(std::move(op));
  }

  Result<Operand> fieldChain(Operand op) {
    while (pos_ + 1 < s_.size() && s_[pos_] == '.' && isIdentStart(s_[pos_ + 1])) {
      size_t start = ++pos_;
      while (pos_ < s_.size() && isIdentChar(s_[pos_])) ++pos_;
      op.fields.emplace_back(s_.substr(start, pos_ - start));
    }
    return op;
  }

  Result<std::string> stringLiteral() {
    char quote = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      char c = s_[pos_++];
      if (quote == '"' && c == '\\' && pos_ < s_.size()) {
        char e = s_[pos_++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case '\\':
            out += '\\';
            break;
          case '"':
            out += '"';
            break;
          default:
            return fail(fmt::format("unknown escape sequence \\{}", e));
        }
        continue;
      }
      if (quote == '"' && c == '\n') return fail("unterminated quoted string");
      out += c;
    }
    if (pos_ >= s_.size()) return fail("unterminated quoted string");
    ++pos_;
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
  static constexpr int kMaxParenDepth = 64;
  int depth_ = 0;
  int line_;
};

// Finds the "}}" that closes the action whose content starts at `from`, skipping string literals.
size_t findActionEnd(std::string_view src, size_t from) {
  for (size_t i = from; i + 1 < src.size(); ++i) {
    char c = src[i];
    if (c == '"' || c == '`') {
      for (++i; i < src.size() && src[i] != c; ++i) {
        if (c == '"' && src[i] == '\\') ++i;
      }
      continue;
    }
    if (c == '}' && src[i + 1] == '}') return i;
  }
  return std::string_view::npos;
}

}  // namespace

Result<std::vector<Node>> parseTemplate(std::string_view src) {
  std::vector<Node> nodes;
  int line = 1;
  size_t pos = 0;
  bool trimNextText = false;
  auto countLines = [&](size_t a, size_t b) {
    for (size_t i = a; i < b; ++i) line += src[i] == '\n';
  };
  while (pos <= src.size()) {
    size_t open = src.find("{{", pos);
    std::string text(src.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (trimNextText) {
      size_t k = 0;
      while (k < text.size() && isSpace(text[k])) ++k;
      text.erase(0, k);
    }
    countLines(pos, open == std::string_view::npos ? src.size() : open);
    if (open == std::string_view::npos) {
      nodes.push_back({std::move(text), nullptr, line});
      break;
    }
    size_t start = open + 2;
    // "{{- " trims the whitespace before the action (Go requires a space after the dash).
    if (start + 1 < src.size() && src[start] == '-' && isSpace(src[start + 1])) {
      while (!text.empty() && isSpace(text.back())) text.pop_back();
      start += 2;
    }
    nodes.push_back({std::move(text), nullptr, line});
    size_t commentStart = start;
    while (commentStart < src.size() && isSpace(src[commentStart])) ++commentStart;
    size_t searchFrom = start;
    if (src.substr(commentStart).starts_with("/*")) {
      // A comment may contain "}}": the action ends at the first "}}" after "*/".
      size_t endComment = src.find("*/", commentStart + 2);
      if (endComment == std::string_view::npos) {
        return makeError(ErrorCode::Invalid, fmt::format("template parsing failed: line {}: unclosed comment", line));
      }
      searchFrom = endComment + 2;
    }
    size_t close = findActionEnd(src, searchFrom);
    if (close == std::string_view::npos) {
      return makeError(ErrorCode::Invalid, fmt::format("template parsing failed: line {}: unclosed action", line));
    }
    size_t contentEnd = close;
    trimNextText = false;
    // " -}}" trims the whitespace after the action.
    if (contentEnd >= start + 2 && src[contentEnd - 1] == '-' && isSpace(src[contentEnd - 2])) {
      trimNextText = true;
      --contentEnd;
    }
    std::string_view content = src.substr(start, contentEnd - start);
    size_t firstNonSpace = 0;
    while (firstNonSpace < content.size() && isSpace(content[firstNonSpace])) ++firstNonSpace;
    if (!content.substr(firstNonSpace).starts_with("/*")) {
      Parser parser(content, line);
      auto pipe = parser.pipeline(false);
      if (!pipe.ok()) return pipe.error();
      if (!parser.atEnd()) {
        return makeError(ErrorCode::Invalid, fmt::format("template parsing failed: line {}: unexpected ')'", line));
      }
      nodes.push_back({{}, std::move(*pipe), line});
    }
    countLines(open, close + 2);
    pos = close + 2;
  }
  return nodes;
}

}  // namespace aviary::metrics::tmpl
