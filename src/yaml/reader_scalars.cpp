// Scalar typing (YAML 1.2 core schema), UTF-8 checks and the typed scalar/JSON conversions of
// reader.h.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "yaml/reader.h"

namespace aviary::yaml {
namespace {

constexpr int kMaxDepth = 64;

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool looksInt(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return isDigits(s);
}

// YAML 1.2 core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? or .inf/.nan.
bool looksFloat(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  size_t i = 0;
  size_t intDigits = 0, fracDigits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++intDigits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++fracDigits;
  }
  if (intDigits == 0 && fracDigits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!isDigits(s.substr(i))) return false;
    return true;
  }
  return i == s.size();
}

}  // namespace

double parseFloat(std::string_view s) {
  std::string_view v = s;
  bool neg = !v.empty() && v[0] == '-';
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) v.remove_prefix(1);
  if (v.size() == 4 && v[0] == '.' && (v[1] == 'i' || v[1] == 'I')) return neg ? -INFINITY : INFINITY;
  if (v.size() == 4 && v[0] == '.' && (v[1] == 'n' || v[1] == 'N')) return NAN;
  return std::strtod(std::string(s).c_str(), nullptr);
}

std::string quoteValue(std::string_view s) {
  std::string out = "\"";
  size_t n = 0;
  for (char c : s) {
    // Cut long values, but never inside a UTF-8 sequence (messages must stay valid UTF-8).
    if (++n > 60 && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      out += "...";
      break;
    }
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 0;  // continuation bytes
    if (n == 0 || c > 0xF4 || i + n >= s.size()) return false;
    uint32_t cp = c & (0x3F >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

std::string escapeInvalidUtf8(std::string_view s) {
  if (isValidUtf8(s)) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    // Take the longest valid sequence starting at i (1 to 4 bytes), else escape one byte.
    size_t n = 1;
    for (size_t len = 1; len <= 4 && i + len <= s.size(); ++len) {
      if (isValidUtf8(s.substr(i, len))) {
        n = len;
        break;
      }
    }
    if (isValidUtf8(s.substr(i, n))) {
      out.append(s.substr(i, n));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(s[i]));
      out += buf;
    }
    i += n;
  }
  return out;
}

Node findInvalidUtf8(const Node& node) {
  // Scalars are flagged while the tree is built, in document order: the first flagged node of
  // the document is the answer when it lies under `node` (the document root in practice).
  const yaml::Document* doc = node.document();
  if (!doc || !doc->hasInvalidUtf8) return Node();
  Node first(doc, doc->firstInvalidUtf8);
  if (node == doc->root()) return first;
  // A subtree: walk it, visiting each node once (aliases make the tree a DAG).
  std::vector<bool> seen(doc->nodes.size());
  std::vector<Node> stack{node};
  Node found;
  while (!stack.empty()) {
    Node n = stack.back();
    stack.pop_back();
    if (seen[n.index()]) continue;
    seen[n.index()] = true;
    if (n.invalidUtf8() && (!found.isDefined() || n.index() < found.index())) found = n;
    if (n.isSequence())
      for (size_t i = 0; i < n.size(); ++i) stack.push_back(n.item(i));
    if (n.isMap())
      for (size_t i = 0; i < n.size(); ++i) stack.push_back(n.key(i)), stack.push_back(n.value(i));
  }
  return found;
}

ScalarKind kindOf(const Node& node) {
  switch (node.kind()) {
    case yaml::Kind::Undefined:
    case yaml::Kind::Null:
      return ScalarKind::Null;
    case yaml::Kind::Sequence:
      return ScalarKind::List;
    case yaml::Kind::Map:
      return ScalarKind::Object;
    case yaml::Kind::Scalar:
      break;
  }
  std::string_view s = node.scalar();
  switch (node.style()) {
    case yaml::Style::Quoted:
    case yaml::Style::TagStr:
    case yaml::Style::TagOther:
      return ScalarKind::String;
    case yaml::Style::TagInt:
      return looksInt(s) ? ScalarKind::Int : ScalarKind::String;
    case yaml::Style::TagFloat:
      return looksFloat(s) ? ScalarKind::Float : ScalarKind::String;
    case yaml::Style::Plain:
      break;
  }
  // Plain null texts never get here: both tree builders make them Kind::Null (yaml_tree.h).
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE")
    return ScalarKind::Bool;
  if (looksInt(s)) return ScalarKind::Int;
  if (looksFloat(s)) return ScalarKind::Float;
  return ScalarKind::String;
}

std::string describe(const Node& node) {
  switch (kindOf(node)) {
    case ScalarKind::Null:
      return "null";
    case ScalarKind::Bool:
      return node.str();
    case ScalarKind::Int:
      return "integer " + node.str();
    case ScalarKind::Float:
      return "number " + node.str();
    case ScalarKind::String:
      return "string " + quoteValue(node.scalar());
    case ScalarKind::List:
      return "a list";
    case ScalarKind::Object:
      return "an object";
  }
  return "?";
}

bool readString(Sink& sink, const Node& node, const std::string& path, std::string& out) {
  auto k = kindOf(node);
  if (k == ScalarKind::String) {
    out = node.scalar();
    return true;
  }
  sink.error(
      sink.pos(node), path,
      "expected a string, found " + describe(node) +
          (k == ScalarKind::Int || k == ScalarKind::Float || k == ScalarKind::Bool ? " (quote it to make it a string)"
                                                                                   : ""));
  return false;
}

bool readInt(Sink& sink, const Node& node, const std::string& path, int64_t min, int64_t max, int64_t& out) {
  if (kindOf(node) != ScalarKind::Int) {
    sink.error(sink.pos(node), path, "expected an integer, found " + describe(node));
    return false;
  }
  errno = 0;
  std::string_view s = node.scalar();  // NUL-terminated (yaml_tree.h)
  long long v = std::strtoll(s.data(), nullptr, 10);
  if (errno == ERANGE || v < min || v > max) {
    std::string expect;
    if (min <= INT32_MIN && max >= INT32_MAX) {
      expect = "must be a 32-bit integer";
    } else if (max >= INT32_MAX) {
      expect = "must be at least " + std::to_string(min);
    } else {
      expect = "must be between " + std::to_string(min) + " and " + std::to_string(max);
    }
    sink.error(sink.pos(node), path, expect + ", found " + std::string(s));
    return false;
  }
  out = v;
  return true;
}

bool toJson(Sink& sink, const Node& node, const std::string& path, Json& out, int depth) {
  if (depth > kMaxDepth) {
    sink.error(sink.pos(node), path, "nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
    return false;
  }
  switch (kindOf(node)) {
    case ScalarKind::Null:
      out = nullptr;
      return true;
    case ScalarKind::Bool:
      out = node.scalar()[0] == 't' || node.scalar()[0] == 'T';
      return true;
    case ScalarKind::Int: {
      errno = 0;
      long long v = std::strtoll(node.scalar().data(), nullptr, 10);
      if (errno == ERANGE) {
        out = parseFloat(node.scalar());
      } else {
        out = static_cast<int64_t>(v);
      }
      return true;
    }
    case ScalarKind::Float: {
      double d = parseFloat(node.scalar());
      if (!std::isfinite(d)) {
        sink.error(sink.pos(node), path, "expected a finite number, found " + node.str());
        return false;
      }
      out = d;
      return true;
    }
    case ScalarKind::String:
      out = node.str();
      return true;
    case ScalarKind::List: {
      out = Json::array();
      bool ok = true;
      size_t i = 0;
      for (size_t n = node.size(); i < n; ++i) {
        Json j;
        ok = toJson(sink, node.item(i), indexPath(path, i), j, depth + 1) && ok;
        out.push_back(std::move(j));
      }
      return ok;
    }
    case ScalarKind::Object: {
      out = Json::object();
      bool ok = true;
      for (size_t i = 0, n = node.size(); i < n; ++i) {
        std::string key;
        Node k = node.key(i);
        if (!k.isScalar()) {
          sink.error(sink.pos(k), path, "expected a string key, found " + describe(k));
          ok = false;
          continue;
        }
        key = k.str();
        Json j;
        ok = toJson(sink, node.value(i), joinPath(path, key), j, depth + 1) && ok;
        out[key] = std::move(j);
      }
      return ok;
    }
  }
  return false;
}

}  // namespace aviary::yaml
