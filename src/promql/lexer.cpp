#include "promql/lexer.h"

#include <cctype>

#include <fmt/format.h>

namespace aviary::promql {
namespace {

bool isIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool isIdentChar(char c) { return isIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

Error lexError(size_t pos, const std::string& what) {
  return makeError(ErrorCode::Invalid, fmt::format("at char {}: {}", pos + 1, what));
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Go string literal escapes (strconv.Unquote), which is what PromQL strings use.
Result<size_t> lexString(std::string_view q, size_t i, std::string& out) {
  const char quote = q[i];
  const size_t start = i++;
  if (quote == '`') {
    size_t end = q.find('`', i);
    if (end == std::string_view::npos) return lexError(start, "unterminated raw string");
    out.assign(q.substr(i, end - i));
    return end + 1;
  }
  while (i < q.size()) {
    char c = q[i];
    if (c == quote) return i + 1;
    if (c == '\n') break;
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (++i >= q.size()) break;
    char e = q[i++];
    auto hex = [&](int digits) -> Result<uint32_t> {
      uint32_t v = 0;
      for (int k = 0; k < digits; ++k, ++i) {
        if (i >= q.size() || !std::isxdigit(static_cast<unsigned char>(q[i]))) {
          return lexError(i, "invalid escape sequence in string");
        }
        char h = q[i];
        v = v * 16 + static_cast<uint32_t>(isDigit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
      }
      return v;
    };
    switch (e) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': case '\'': out += e; break;
      case 'x': {
        auto v = hex(2);
        if (!v.ok()) return v.error();
        out += static_cast<char>(*v);
        break;
      }
      case 'u': case 'U': {
        auto v = hex(e == 'u' ? 4 : 8);
        if (!v.ok()) return v.error();
        if (*v > 0x10FFFF || (*v >= 0xD800 && *v < 0xE000)) return lexError(i, "invalid Unicode code point in string");
        appendUtf8(out, *v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2; ++k, ++i) {
            if (i >= q.size() || q[i] < '0' || q[i] > '7') return lexError(i, "invalid octal escape in string");
            v = v * 8 + static_cast<uint32_t>(q[i] - '0');
          }
          if (v > 255) return lexError(i, "octal escape value > 255 in string");
          out += static_cast<char>(v);
          break;
        }
        return lexError(i - 1, fmt::format("unknown escape sequence \\{} in string", e));
    }
  }
  return lexError(start, "unterminated quoted string");
}

bool isDurationUnitStart(char c) {
  return c == 's' || c == 'm' || c == 'h' || c == 'd' || c == 'w' || c == 'y';
}

}  // namespace

Result<std::vector<Token>> lex(std::string_view q) {
  std::vector<Token> out;
  size_t i = 0;
  int brackets = 0;  // inside [...] a ':' is the subquery colon, not part of an identifier
  while (i < q.size()) {
    char c = q[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < q.size() && q[i] != '\n') ++i;
      continue;
    }
    Token t;
    t.pos = i;
    if (isDigit(c) || (c == '.' && i + 1 < q.size() && isDigit(q[i + 1]))) {
      size_t j = i;
      if (c == '0' && j + 1 < q.size() && (q[j + 1] == 'x' || q[j + 1] == 'X')) {
        j += 2;
        while (j < q.size() && std::isxdigit(static_cast<unsigned char>(q[j]))) ++j;
        t.kind = Tok::Number;
      } else {
        while (j < q.size() && isDigit(q[j])) ++j;
        if (j < q.size() && isDurationUnitStart(q[j])) {
          // A duration: digits and units repeated (1h30m, 100ms).
          while (j < q.size() && (isDigit(q[j]) || isDurationUnitStart(q[j]))) ++j;
          t.kind = Tok::Duration;
        } else {
          if (j < q.size() && q[j] == '.') {
            ++j;
            while (j < q.size() && isDigit(q[j])) ++j;
          }
          if (j < q.size() && (q[j] == 'e' || q[j] == 'E')) {
            size_t k = j + 1;
            if (k < q.size() && (q[k] == '+' || q[k] == '-')) ++k;
            if (k < q.size() && isDigit(q[k])) {
              j = k;
              while (j < q.size() && isDigit(q[j])) ++j;
            }
          }
          t.kind = Tok::Number;
        }
      }
      if (j < q.size() && isIdentChar(q[j]) && !(q[j] == ':' && brackets > 0)) {
        return lexError(j, fmt::format("bad number or duration syntax: \"{}\"", q.substr(i, j + 1 - i)));
      }
      t.text.assign(q.substr(i, j - i));
      i = j;
    } else if (isIdentStart(c) && !(c == ':' && brackets > 0)) {
      size_t j = i;
      while (j < q.size() && isIdentChar(q[j])) ++j;
      t.text.assign(q.substr(i, j - i));
      std::string lower;
      for (char ch : t.text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      t.kind = (lower == "inf" || lower == "nan") ? Tok::Number : Tok::Identifier;
      i = j;
    } else if (c == '"' || c == '\'' || c == '`') {
      t.kind = Tok::String;
      auto end = lexString(q, i, t.text);
      if (!end.ok()) return end.error();
      i = *end;
    } else {
      auto two = q.substr(i, 2);
      if (two == "==" || two == "!=" || two == ">=" || two == "<=" || two == "=~" || two == "!~") {
        t.kind = Tok::Op;
        t.text = std::string(two);
        i += 2;
      } else {
        switch (c) {
          case '(': t.kind = Tok::LParen; break;
          case ')': t.kind = Tok::RParen; break;
          case '{': t.kind = Tok::LBrace; break;
          case '}': t.kind = Tok::RBrace; break;
          case '[': t.kind = Tok::LBracket; ++brackets; break;
          case ']': t.kind = Tok::RBracket; --brackets; break;
          case ',': t.kind = Tok::Comma; break;
          case ':': t.kind = Tok::Colon; break;
          case '@': t.kind = Tok::At; break;
          case '=': t.kind = Tok::Assign; break;
          case '+': case '-': case '*': case '/': case '%': case '^': case '>': case '<': t.kind = Tok::Op; break;
          default:
            return lexError(i, fmt::format("unexpected character: {}", std::isprint(static_cast<unsigned char>(c))
                                                                          ? fmt::format("'{}'", c)
                                                                          : fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c))));
        }
        t.text.assign(1, c);
        ++i;
      }
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.kind = Tok::End;
  end.pos = q.size();
  out.push_back(end);
  return out;
}

}  // namespace aviary::promql
