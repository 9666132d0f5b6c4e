#pragma once
// Decoder: typed field access on the shared YAML tree (yaml/tree.h) that records every problem
// (with the node's file:line:col and the field path) instead of throwing, plus a path → position
// table so later semantic checks can point at the right line. Internal to the proxy's config
// decoding. Messages use the shared reader's wording (yaml/reader.h: describe, quoteValue,
// "unknown field "x", expected one of: ..."), so a proxy config reads like every other file.
//
// The proxy's scalars are typed by their text, not by YAML's core schema: `port: "8080"` and
// `port: 8080` are the same port (the config has always been read that way).
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/result.h"
#include "yaml/reader.h"
#include "yaml/tree.h"

namespace aviary::proxy::detail {

using PosMap = std::map<std::string, SourcePos>;
using yaml::Node;

class Decoder {
 public:
  Decoder(std::string file, ErrorList& errors, PosMap& positions)
      : file_(std::move(file)), errors_(errors), positions_(positions) {}

  SourcePos pos(const Node& n) const { return SourcePos{file_, n.line(), n.column()}; }
  void fail(const Node& n, const std::string& path, std::string message) {
    errors_.push_back(Error{ErrorCode::Invalid, yaml::escapeInvalidUtf8(message), yaml::escapeInvalidUtf8(path), pos(n)});
  }
  // "an object", "a list", "null", "string \"x\"", ... (yaml/reader.h).
  static std::string found(const Node& n) { return n.isDefined() ? yaml::describe(n) : "nothing"; }
  // The text of a scalar key or value ("" for other kinds).
  static std::string text(const Node& n) { return n.str(); }

  // Records the position and checks that n is a mapping whose keys are all in `allowed`.
  bool map(const Node& n, const std::string& path, std::initializer_list<const char*> allowed) {
    if (!anyMap(n, path)) return false;
    for (size_t i = 0; i < n.size(); ++i) {
      const Node k = n.key(i);
      const std::string key = text(k);
      if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }) != allowed.end()) {
        continue;
      }
      std::vector<std::string> names(allowed.begin(), allowed.end());
      std::sort(names.begin(), names.end());
      std::string list;
      for (const auto& a : names) list += (list.empty() ? "" : ", ") + a;
      fail(k, join(path, key), "unknown field " + yaml::quoteValue(key) + ", expected one of: " + list);
    }
    return true;
  }
  // A mapping with free-form keys (header names, cookie names).
  bool anyMap(const Node& n, const std::string& path) {
    positions_[path] = pos(n);
    if (!n.isMap()) {
      fail(n, path, "expected an object, found " + found(n));
      return false;
    }
    return true;
  }
  bool list(const Node& n, const std::string& path) {
    positions_[path] = pos(n);
    if (!n.isSequence()) {
      fail(n, path, "expected a list, found " + found(n));
      return false;
    }
    return true;
  }
  bool str(const Node& parent, const char* key, const std::string& path, std::string& out) {
    Node n = parent.get(key);
    if (!n.isDefined()) return false;
    std::string p = join(path, key);
    positions_[p] = pos(n);
    if (!n.isScalar()) {
      fail(n, p, "expected a string, found " + found(n));
      return false;
    }
    out = n.str();
    return true;
  }
  template <typename T>
  void uint(const Node& parent, const char* key, const std::string& path, T& out, uint64_t max) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || v > max) {
      fail(parent.get(key), join(path, key),
           "expected an integer in [0, " + std::to_string(max) + "], found " + yaml::quoteValue(s));
      return;
    }
    out = static_cast<T>(v);
  }
  void number(const Node& parent, const char* key, const std::string& path, double& out, double lo, double hi) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(v >= lo && v <= hi)) {
      fail(parent.get(key), join(path, key),
           "expected a number in [" + fmtNum(lo) + ", " + fmtNum(hi) + "], found " + yaml::quoteValue(s));
      return;
    }
    out = v;
  }
  void duration(const Node& parent, const char* key, const std::string& path, Duration& out) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    auto d = parseDuration(s);
    if (!d.ok() || d.value().count() < 0) {
      fail(parent.get(key), join(path, key),
           "expected a non-negative duration like \"1s\" or \"500ms\", found " + yaml::quoteValue(s));
      return;
    }
    out = d.value();
  }
  void boolean(const Node& parent, const char* key, const std::string& path, bool& out) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    if (s == "true") out = true;
    else if (s == "false") out = false;
    else fail(parent.get(key), join(path, key), "expected true or false, found " + yaml::quoteValue(s));
  }
  void required(const Node& parent, const char* key, const std::string& path) {
    if (!parent.get(key).isDefined()) fail(parent, join(path, key), "required field is missing");
  }
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

 private:
  static std::string fmtNum(double d) {
    std::ostringstream o;
    o << d;
    return o.str();
  }
  std::string file_;
  ErrorList& errors_;
  PosMap& positions_;
};

}  // namespace aviary::proxy::detail
