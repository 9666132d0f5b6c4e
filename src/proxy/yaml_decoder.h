#pragma once
// YamlDecoder: typed field access on yaml-cpp nodes that records every problem (with the node's
// file:line:col and the field path) instead of throwing, plus a path → position table so later
// semantic checks can point at the right line. Internal to the proxy's config decoding.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "common/duration.h"
#include "common/result.h"

namespace aviary::proxy::detail {

using PosMap = std::map<std::string, SourcePos>;

class Decoder {
 public:
  Decoder(std::string file, ErrorList& errors, PosMap& positions)
      : file_(std::move(file)), errors_(errors), positions_(positions) {}

  SourcePos pos(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    return SourcePos{file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
  }
  void fail(const YAML::Node& n, const std::string& path, std::string message) {
    errors_.push_back(Error{ErrorCode::Invalid, std::move(message), path, pos(n)});
  }
  static const char* typeName(const YAML::Node& n) {
    switch (n.Type()) {
      case YAML::NodeType::Map: return "a mapping";
      case YAML::NodeType::Sequence: return "a list";
      case YAML::NodeType::Scalar: return "a scalar";
      case YAML::NodeType::Null: return "null";
      default: return "nothing";
    }
  }
  // Records the position and checks that n is a mapping whose keys are all in `allowed`.
  bool map(const YAML::Node& n, const std::string& path, std::initializer_list<const char*> allowed) {
    if (!anyMap(n, path)) return false;
    for (const auto& kv : n) {
      std::string key = kv.first.Scalar();
      bool known = false;
      std::string names;
      for (const char* a : allowed) {
        known = known || key == a;
        names += names.empty() ? a : std::string(", ") + a;
      }
      if (!known) fail(kv.first, join(path, key), "unknown field (expected one of: " + names + ")");
    }
    return true;
  }
  // A mapping with free-form keys (header names, cookie names).
  bool anyMap(const YAML::Node& n, const std::string& path) {
    positions_[path] = pos(n);
    if (!n.IsMap()) {
      fail(n, path, std::string("expected a mapping, found ") + typeName(n));
      return false;
    }
    return true;
  }
  bool list(const YAML::Node& n, const std::string& path) {
    positions_[path] = pos(n);
    if (!n.IsSequence()) {
      fail(n, path, std::string("expected a list, found ") + typeName(n));
      return false;
    }
    return true;
  }
  bool str(const YAML::Node& parent, const char* key, const std::string& path, std::string& out) {
    YAML::Node n = parent[key];
    if (!n.IsDefined()) return false;
    std::string p = join(path, key);
    positions_[p] = pos(n);
    if (!n.IsScalar()) {
      fail(n, p, std::string("expected a string, found ") + typeName(n));
      return false;
    }
    out = n.Scalar();
    return true;
  }
  template <typename T>
  void uint(const YAML::Node& parent, const char* key, const std::string& path, T& out, uint64_t max) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || ptr != s.data() + s.size() || v > max) {
      fail(parent[key], join(path, key), "expected an integer in [0, " + std::to_string(max) + "], found \"" + s + "\"");
      return;
    }
    out = static_cast<T>(v);
  }
  void number(const YAML::Node& parent, const char* key, const std::string& path, double& out, double lo,
              double hi) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(v >= lo && v <= hi)) {
      fail(parent[key], join(path, key), "expected a number in [" + fmtNum(lo) + ", " + fmtNum(hi) + "], found \"" + s + "\"");
      return;
    }
    out = v;
  }
  void duration(const YAML::Node& parent, const char* key, const std::string& path, Duration& out) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    auto d = parseDuration(s);
    if (!d.ok() || d.value().count() < 0) {
      fail(parent[key], join(path, key),
           "expected a non-negative duration like \"1s\" or \"500ms\", found \"" + s + "\"");
      return;
    }
    out = d.value();
  }
  void boolean(const YAML::Node& parent, const char* key, const std::string& path, bool& out) {
    std::string s;
    if (!str(parent, key, path, s)) return;
    if (s == "true") out = true;
    else if (s == "false") out = false;
    else fail(parent[key], join(path, key), "expected true or false, found \"" + s + "\"");
  }
  void required(const YAML::Node& parent, const char* key, const std::string& path) {
    if (!parent[key].IsDefined()) fail(parent, join(path, key), "required field is missing");
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
