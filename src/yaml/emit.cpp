// Hand-written: libyaml's emitter needs one event per node and still leaves the quoting
// decisions (which strings would read back as numbers or booleans) to its caller; the whole
// emitter is smaller than that glue.
#include "yaml/emit.h"

#include <algorithm>
#include <cctype>

namespace aviary::yaml {
namespace {

using Json = nlohmann::json;

bool looksReserved(const std::string& s) {
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  static const char* const kWords[] = {"true", "false", "yes",  "no", "on",   "off",
                                       "y",    "n",     "null", "~",  ".inf", ".nan"};
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return l == w; });
}

// Plain when every character is of a safe set and the first cannot start a number or an
// indicator: conservative, so that a plain string always reads back as itself.
bool plainSafe(const std::string& s) {
  if (s.empty() || looksReserved(s)) return false;
  const unsigned char first = s.front();
  if (!(std::isalpha(first) || first == '_' || first == '/')) return false;
  if (s.back() == ' ') return false;
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ' ' || c == '=' || c == '(' ||
          c == ')' || c == '+')) {
      return false;
    }
  }
  return true;
}

std::string scalar(const Json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return plainSafe(s) ? s : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return v.dump();  // null, booleans, numbers: JSON's spelling is YAML's
}

bool inlineValue(const Json& v) {
  return !(v.is_object() || v.is_array()) || v.empty();
}

std::string inlineText(const Json& v) {
  if (v.is_object()) return "{}";
  if (v.is_array()) return "[]";
  return scalar(v);
}

void emitNode(const Json& v, int indent, std::string& out);

void emitMap(const Json& v, int indent, bool firstInline, std::string& out) {
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!(first && firstInline)) out.append(indent, ' ');
    first = false;
    out += scalar(Json(it.key()));
    out += ':';
    if (inlineValue(*it)) {
      out += ' ';
      out += inlineText(*it);
      out += '\n';
    } else {
      out += '\n';
      // kubectl's style: a list sits at its key's indentation, a map two spaces in.
      emitNode(*it, it->is_array() ? indent : indent + 2, out);
    }
  }
}

void emitList(const Json& v, int indent, std::string& out) {
  for (const auto& item : v) {
    out.append(indent, ' ');
    out += "- ";
    if (inlineValue(item)) {
      out += inlineText(item);
      out += '\n';
    } else if (item.is_object()) {
      emitMap(item, indent + 2, true, out);
    } else {
      out.pop_back();  // "-" alone on its line, the nested list below it
      out += '\n';
      emitNode(item, indent + 2, out);
    }
  }
}

void emitNode(const Json& v, int indent, std::string& out) {
  if (v.is_object()) return emitMap(v, indent, false, out);
  if (v.is_array()) return emitList(v, indent, out);
  out.append(indent, ' ');
  out += scalar(v);
  out += '\n';
}

}  // namespace

std::string emit(const nlohmann::json& value) {
  std::string out;
  if (inlineValue(value)) return inlineText(value) + "\n";
  emitNode(value, 0, out);
  return out;
}

}  // namespace aviary::yaml
