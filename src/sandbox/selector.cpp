#include "sandbox/selector.h"

#include <algorithm>
#include <cctype>

namespace aviary::sandbox {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Splits on commas outside parentheses ("env in (a,b),app=x" is two terms).
std::vector<std::string> splitTerms(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// The value at a dotted field path, as a string ("" when absent; numbers and booleans printed).
std::string fieldValue(const nlohmann::json& object, const std::string& path, bool* present) {
  const nlohmann::json* cur = &object;
  size_t start = 0;
  *present = false;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(part)) return "";
    cur = &(*cur)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *present = true;
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

}  // namespace

Result<Selector> Selector::parse(const std::string& text, bool labels) {
  Selector sel;
  sel.labels_ = labels;
  if (trim(text).empty()) return sel;
  for (const auto& raw : splitTerms(text)) {
    std::string t = trim(raw);
    auto bad = [&](const std::string& why) {
      return makeError(ErrorCode::Invalid,
                       std::string(labels ? "labelSelector" : "fieldSelector") + ": " + why + ", found \"" + t + "\"");
    };
    if (t.empty()) return bad("expected a term between commas");
    Term term;
    size_t sp = t.find(' ');
    std::string lower = t;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    size_t inPos = lower.find(" in ");
    size_t notinPos = lower.find(" notin ");
    if (labels && (inPos != std::string::npos || notinPos != std::string::npos)) {
      bool notin = notinPos != std::string::npos;
      size_t at = notin ? notinPos : inPos;
      term.key = trim(t.substr(0, at));
      term.op = notin ? Op::NotIn : Op::In;
      std::string rest = trim(t.substr(at + (notin ? 7 : 4)));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') return bad("expected a (value, ...) list");
      for (const auto& v : splitTerms(rest.substr(1, rest.size() - 2))) term.values.push_back(trim(v));
    } else if (auto ne = t.find("!="); ne != std::string::npos) {
      term.key = trim(t.substr(0, ne));
      term.op = Op::NotEquals;
      term.values.push_back(trim(t.substr(ne + 2)));
    } else if (auto eq = t.find('='); eq != std::string::npos) {
      term.key = trim(t.substr(0, eq));
      size_t skip = (eq + 1 < t.size() && t[eq + 1] == '=') ? 2 : 1;
      term.values.push_back(trim(t.substr(eq + skip)));
    } else if (labels && t[0] == '!') {
      term.key = trim(t.substr(1));
      term.op = Op::NotExists;
    } else if (labels && sp == std::string::npos) {
      term.key = t;
      term.op = Op::Exists;
    } else {
      return bad(labels ? "expected key, !key, key=value, key!=value, key in (...) or key notin (...)"
                        : "expected field=value or field!=value");
    }
    if (term.key.empty()) return bad("expected a key");
    sel.terms_.push_back(std::move(term));
  }
  return sel;
}

bool Selector::matches(const nlohmann::json& object) const {
  for (const auto& t : terms_) {
    bool present = false;
    std::string value;
    if (labels_) {
      const auto& meta = object.contains("metadata") ? object["metadata"] : nlohmann::json();
      if (meta.is_object() && meta.contains("labels") && meta["labels"].is_object() && meta["labels"].contains(t.key)) {
        present = true;
        const auto& v = meta["labels"][t.key];
        value = v.is_string() ? v.get<std::string>() : v.dump();
      }
    } else {
      value = fieldValue(object, t.key, &present);
    }
    bool in = std::find(t.values.begin(), t.values.end(), value) != t.values.end();
    switch (t.op) {
      case Op::Equals:
        if (!(present || !labels_) || value != t.values[0]) return false;
        break;
      case Op::NotEquals:
        if (present && value == t.values[0]) return false;
        break;
      case Op::In:
        if (!present || !in) return false;
        break;
      case Op::NotIn:
        if (present && in) return false;
        break;
      case Op::Exists:
        if (!present) return false;
        break;
      case Op::NotExists:
        if (present) return false;
        break;
    }
  }
  return true;
}

}  // namespace aviary::sandbox
