#pragma once
// The scenario parser's reading helpers, shared by scenario_parse.cpp (the Canary, scripted
// answers, steps) and scenario_parse_kube.cpp (Kubernetes objects, apply/dump/routes). Internal to
// the simulate library. Every problem is appended to the error list with file:line:col and the
// field path; reading goes on so that all problems are reported at once.
#include <optional>
#include <string>

#include <fmt/format.h>

#include "api/decode.h"
#include "simulate/scenario.h"
#include "yaml/reader.h"
#include "yaml/tree.h"

namespace aviary::simulate::detail {

using yaml::Node;

class Parser {
 public:
  Parser(std::string file, ErrorList& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const Node& at, const std::string& path, const std::string& message) {
    Error e = makeError(ErrorCode::Invalid, yaml::escapeInvalidUtf8(message), yaml::escapeInvalidUtf8(path));
    e.pos = pos(at);
    errors_.push_back(std::move(e));
  }
  SourcePos pos(const Node& n) const { return SourcePos{file_, n.line(), n.column()}; }

  std::optional<int32_t> integer(const Node& n, const std::string& path) {
    if (n.isScalar()) {
      try {
        size_t used = 0;
        const std::string s = n.str();
        long v = std::stol(s, &used);
        if (used == s.size()) return static_cast<int32_t>(v);
      } catch (...) {
      }
    }
    error(n, path, "expected an integer, found " + describe(n));
    return std::nullopt;
  }
  std::optional<bool> boolean(const Node& n, const std::string& path) {
    if (n.isScalar() && (n.str() == "true" || n.str() == "false")) return n.str() == "true";
    error(n, path, "expected true or false, found " + describe(n));
    return std::nullopt;
  }
  std::optional<std::string> string(const Node& n, const std::string& path) {
    if (n.isScalar()) return n.str();
    error(n, path, "expected a string, found " + describe(n));
    return std::nullopt;
  }
  // The shared reader's words ("string \"x\"", "integer 5", "an object", "null"), so that a
  // scenario's errors read like a resource file's.
  static std::string describe(const Node& n) { return n.isDefined() ? yaml::describe(n) : "nothing"; }
  // Every key of `n` must be among `known` (each unknown key is reported). Returns whether `n`
  // is an object, so that its known fields are still read and checked.
  bool keys(const Node& n, const std::string& path, std::initializer_list<const char*> known) {
    if (!n.isMap()) {
      error(n, path, "expected an object, found " + describe(n));
      return false;
    }
    for (size_t ki = 0; ki < n.size(); ++ki) {
      const Node kvKey = n.key(ki), kvValue = n.value(ki);
      const std::string k = kvKey.str();
      bool found = false;
      for (const char* name : known) found = found || k == name;
      if (!found) {
        std::string list;
        for (const char* name : known) list += (list.empty() ? "" : ", ") + std::string(name);
        error(kvKey, path.empty() ? k : path + "." + k, "unknown field \"" + k + "\", expected one of: " + list);
      }
    }
    return true;
  }

  static nlohmann::json toJson(const Node& n) {
    if (n.isMap()) {
      nlohmann::json j = nlohmann::json::object();
      for (size_t ki = 0; ki < n.size(); ++ki) j[n.key(ki).str()] = toJson(n.value(ki));
      return j;
    }
    if (n.isSequence()) {
      nlohmann::json j = nlohmann::json::array();
      for (size_t i = 0; i < n.size(); ++i) j.push_back(toJson(n.item(i)));
      return j;
    }
    if (n.isScalar()) return n.str();
    return nullptr;
  }

  void metrics(const Node& n, const std::string& path, MetricsStep& out) {
    if (!n.isMap()) return error(n, path, "expected an object of metric name -> answer, found " + describe(n));
    for (size_t ki = 0; ki < n.size(); ++ki) {
      const Node kvKey = n.key(ki), kvValue = n.value(ki);
      const std::string name = kvKey.str();
      const std::string p = path + "." + name;
      const Node v = kvValue;
      if (v.isScalar() && v.str() == "none") {
        out.answers[name] = controller::ScriptedMetric::none();
      } else if (v.isScalar() && v.str() == "error") {
        out.answers[name] = controller::ScriptedMetric::error();
      } else if (v.isMap() && v.get("error").isDefined() && v.size() == 1) {
        if (auto s = string(v.get("error"), p + ".error")) out.answers[name] = controller::ScriptedMetric::error(*s);
      } else if (v.isScalar()) {
        try {
          size_t used = 0;
          double d = std::stod(v.str(), &used);
          if (used != v.str().size()) throw std::invalid_argument("trailing");
          out.answers[name] = controller::ScriptedMetric::ofValue(d);
        } catch (...) {
          error(v, p, "expected a number, \"none\", \"error\" or {error: text}, found " + describe(v));
        }
      } else {
        error(v, p, "expected a number, \"none\", \"error\" or {error: text}, found " + describe(v));
      }
    }
  }

  void hooks(const Node& n, const std::string& path, WebhooksStep& out) {
    if (!n.isMap()) return error(n, path, "expected an object of webhook name -> answer, found " + describe(n));
    for (size_t ki = 0; ki < n.size(); ++ki) {
      const Node kvKey = n.key(ki), kvValue = n.value(ki);
      const std::string name = kvKey.str();
      const std::string p = path + "." + name;
      const Node v = kvValue;
      if (v.isScalar() && v.str() == "timeout") {
        out.answers[name] = webhooks::ScriptedAnswer::timeout();
      } else if (v.isMap()) {
        if (!keys(v, p, {"status", "body"})) continue;
        auto st = v.get("status").isDefined() ? integer(v.get("status"), p + ".status") : std::optional<int32_t>(200);
        std::string body = v.get("body").isDefined() ? string(v.get("body"), p + ".body").value_or("") : "";
        if (st) out.answers[name] = webhooks::ScriptedAnswer::ofStatus(*st, body);
      } else if (auto st = integer(v, p)) {
        if (*st < 100 || *st > 599) {
          error(v, p, fmt::format("expected an HTTP status in [100, 599], found {}", *st));
        } else {
          out.answers[name] = webhooks::ScriptedAnswer::ofStatus(*st);
        }
      }
    }
  }

  void configs(const Node& n, const std::string& path, ConfigsStep& out) {
    if (!n.isMap())
      return error(n, path,
                   "expected an object of \"configmap/<name>\" or \"secret/<name>\" -> checksum, found " + describe(n));
    for (size_t ki = 0; ki < n.size(); ++ki) {
      const Node kvKey = n.key(ki), kvValue = n.value(ki);
      const std::string key = kvKey.str();
      if (key.rfind("configmap/", 0) != 0 && key.rfind("secret/", 0) != 0) {
        error(kvKey, path + "." + key,
              "expected a key \"configmap/<name>\" or \"secret/<name>\", found \"" + key + "\"");
        continue;
      }
      if (auto v = string(kvValue, path + "." + key)) out.configs[key] = *v;
    }
  }

  std::optional<Step> step(const Node& n, const std::string& path);

  // scenario_parse_kube.cpp: Kubernetes objects from a path (relative to `dir`, any number of
  // documents) or an inline object, or a list of those; each must name apiVersion, kind and
  // metadata.name. `typed` receives the flagger.app ones decoded (for validation).
  void kubeObjects(const Node& n, const std::string& path, const std::string& dir, std::vector<KubeObject>& out,
                   api::LoadResult* typed);
  void readyByName(const Node& n, const std::string& path, ReadyStep& out);
  void dump(const Node& n, const std::string& path, DumpStep& out);
  void routes(const Node& n, const std::string& path, std::map<std::string, int32_t>& out);

  bool kube_ = false;  // the scenario gives objects: (ready by name; apply, dump, routes allowed)
  std::string dir_;    // the scenario's folder (paths are relative to it)

  std::string file_;
  ErrorList& errors_;
};

}  // namespace aviary::simulate::detail
