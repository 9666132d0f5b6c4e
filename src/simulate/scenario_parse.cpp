// Scenario parsing: the shared YAML tree (yaml/file.h) to Scenario, positions on every error.
// Scenario scalars are read by their text, as they always were (`message: 404` is the string
// "404"); the Canary and the other resources are typed by the API decoder. The Canary and the
// other resources go through the API loader and validator (api/decode.h, api/validate.h).
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "api/decode.h"
#include "api/validate.h"
#include "simulate/scenario.h"
#include "yaml/file.h"
#include "yaml/reader.h"

namespace aviary::simulate {
namespace {

using yaml::Node;

class Parser {
 public:
  Parser(std::string file, ErrorList& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const Node& at, const std::string& path, const std::string& message) {
    Error e = makeError(ErrorCode::Invalid, yaml::escapeInvalidUtf8(message), yaml::escapeInvalidUtf8(path));
    e.pos = pos(at);
    errors_.push_back(std::move(e));
  }
  SourcePos pos(const Node& n) const {
    return SourcePos{file_, n.line(), n.column()};
  }

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
    if (!n.isMap()) return error(n, path, "expected an object of \"configmap/<name>\" or \"secret/<name>\" -> checksum, found " + describe(n));
    for (size_t ki = 0; ki < n.size(); ++ki) {
      const Node kvKey = n.key(ki), kvValue = n.value(ki);
      const std::string key = kvKey.str();
      if (key.rfind("configmap/", 0) != 0 && key.rfind("secret/", 0) != 0) {
        error(kvKey, path + "." + key, "expected a key \"configmap/<name>\" or \"secret/<name>\", found \"" + key + "\"");
        continue;
      }
      if (auto v = string(kvValue, path + "." + key)) out.configs[key] = *v;
    }
  }

  std::optional<Step> step(const Node& n, const std::string& path);

  std::string file_;
  ErrorList& errors_;
};

std::optional<Step> Parser::step(const Node& n, const std::string& path) {
  if (!n.isMap() || n.size() != 1) {
    error(n, path, "expected an object with exactly one key (tick, ready, revision, configs, metrics, webhooks, providers, "
                   "spec, expect, expectEvent, expectNoEvent, expectAlert), found " + describe(n));
    return std::nullopt;
  }
  const Node kvKey = n.key(0), kvValue = n.value(0);
  const std::string key = kvKey.str();
  const Node v = kvValue;
  const std::string p = path + "." + key;
  Step s;
  s.line = n.line();
  s.key = key;
  const size_t before = errors_.size();
  if (key == "tick") {
    auto c = integer(v, p);
    if (c && *c < 1) error(v, p, fmt::format("expected a positive number of ticks, found {}", *c));
    s.body = TickStep{c.value_or(1)};
  } else if (key == "ready") {
    ReadyStep r;
    if (keys(v, p, {"primary", "canary", "primaryMessage", "canaryMessage"})) {
      if (v.get("primary").isDefined()) r.primary = boolean(v.get("primary"), p + ".primary");
      if (v.get("canary").isDefined()) r.canary = boolean(v.get("canary"), p + ".canary");
      if (v.get("primaryMessage").isDefined()) r.primaryMessage = string(v.get("primaryMessage"), p + ".primaryMessage").value_or("");
      if (v.get("canaryMessage").isDefined()) r.canaryMessage = string(v.get("canaryMessage"), p + ".canaryMessage").value_or("");
    }
    s.body = r;
  } else if (key == "revision") {
    if (!v.isDefined() || v.isNull()) error(v, p, "expected a revision (any value), found nothing");
    s.body = RevisionStep{toJson(v)};
  } else if (key == "configs") {
    ConfigsStep c;
    configs(v, p, c);
    s.body = c;
  } else if (key == "metrics") {
    MetricsStep m;
    metrics(v, p, m);
    s.body = m;
  } else if (key == "webhooks") {
    WebhooksStep w;
    hooks(v, p, w);
    s.body = w;
  } else if (key == "providers") {
    ProvidersStep ps;
    if (v.isScalar() && v.str() == "ok") {
    } else if (auto e = string(v, p)) {
      ps.error = *e;
    }
    s.body = ps;
  } else if (key == "spec") {
    SpecStep sp;
    if (keys(v, p, {"suspend", "skipAnalysis"})) {
      if (v.get("suspend").isDefined()) sp.suspend = boolean(v.get("suspend"), p + ".suspend");
      if (v.get("skipAnalysis").isDefined()) sp.skipAnalysis = boolean(v.get("skipAnalysis"), p + ".skipAnalysis");
    }
    s.body = sp;
  } else if (key == "expect") {
    ExpectStep e;
    if (keys(v, p, {"phase", "canaryWeight", "primaryWeight", "statusWeight", "failedChecks", "iterations", "mirror",
                   "sessionAffinityCookie", "previousSessionAffinityCookie"})) {
      if (v.get("phase").isDefined()) {
        e.phase = string(v.get("phase"), p + ".phase");
        if (e.phase && !api::parsePhase(*e.phase)) error(v.get("phase"), p + ".phase", "unknown phase \"" + *e.phase + "\"");
      }
      auto num = [&](const char* k, std::optional<int32_t>& dst) {
        if (v.get(k).isDefined()) dst = integer(v.get(k), p + "." + k);
      };
      num("canaryWeight", e.canaryWeight);
      num("primaryWeight", e.primaryWeight);
      num("statusWeight", e.statusWeight);
      num("failedChecks", e.failedChecks);
      num("iterations", e.iterations);
      auto flag = [&](const char* k, std::optional<bool>& dst) {
        if (v.get(k).isDefined()) dst = boolean(v.get(k), p + "." + k);
      };
      flag("mirror", e.mirror);
      flag("sessionAffinityCookie", e.sessionAffinityCookie);
      flag("previousSessionAffinityCookie", e.previousSessionAffinityCookie);
    }
    s.body = e;
  } else if (key == "expectEvent" || key == "expectNoEvent") {
    ExpectEventStep e;
    e.negate = key == "expectNoEvent";
    if (v.isMap()) {
      if (keys(v, p, {"message", "type"})) {
        e.message = string(v.get("message"), p + ".message").value_or("");
        if (v.get("type").isDefined()) {
          e.type = string(v.get("type"), p + ".type");
          if (e.type && *e.type != "Normal" && *e.type != "Warning") {
            error(v.get("type"), p + ".type", "expected Normal or Warning, found \"" + *e.type + "\"");
          }
        }
      }
    } else {
      e.message = string(v, p).value_or("");
    }
    // `kubectl describe` prints aggregated events with this prefix; accept it verbatim.
    static const std::string kCombined = "(combined from similar events): ";
    if (e.message.rfind(kCombined, 0) == 0) e.message = e.message.substr(kCombined.size());
    s.body = e;
  } else if (key == "expectAlert") {
    s.body = ExpectAlertStep{string(v, p).value_or("")};
  } else {
    error(kvKey, p, "unknown step \"" + key + "\", expected one of: tick, ready, revision, configs, metrics, webhooks, "
                       "providers, spec, expect, expectEvent, expectNoEvent, expectAlert");
  }
  if (errors_.size() != before) return std::nullopt;
  return s;
}

// Loads resources from `node`: a path (relative to the scenario) or an inline object.
api::LoadResult loadResources(Parser& ps, const Node& node, const std::string& path, const std::string& dir) {
  if (node.isScalar()) {
    std::filesystem::path file(node.str());
    if (file.is_relative()) file = std::filesystem::path(dir) / file;
    auto r = api::loadFile(file.string());
    if (!r) {
      ps.error(node, path, r.error().message);
      return {};
    }
    return std::move(*r);
  }
  if (node.isMap()) return api::loadNode(node, ps.file_);
  ps.error(node, path, "expected a file path or an inline resource, found " + Parser::describe(node));
  return {};
}

}  // namespace

Result<Scenario> loadScenario(const std::string& path, ErrorList* errorsOut) {
  ErrorList errors;
  auto fail = [&]() -> Result<Scenario> {
    Error first = errors.front();
    if (errorsOut) *errorsOut = std::move(errors);
    return first;
  };
  std::string text;
  if (!yaml::readFile(path, text)) {
    errors.push_back(Error{ErrorCode::Io, "cannot read file", "", SourcePos{path, 0, 0}});
    return fail();
  }
  // Owns every node below (the inline Canary included) until the scenario is built.
  yaml::Document doc;
  if (!yaml::parseText(text, path, doc, errors)) return fail();
  const Node root = doc.root();
  Parser ps(path, errors);
  Scenario sc;
  sc.file = path;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (!ps.keys(root, "", {"canary", "templates", "alertProviders", "target", "metrics", "webhooks", "steps"})) return fail();

  api::LoadResult loaded;
  if (!root.get("canary").isDefined()) {
    ps.error(root, "canary", "required field is missing");
  } else {
    loaded = loadResources(ps, root.get("canary"), "canary", dir);
    if (loaded.ok() && loaded.canaries.size() != 1) {
      ps.error(root.get("canary"), "canary", fmt::format("expected exactly one Canary, found {}", loaded.canaries.size()));
    }
  }
  for (const char* listKey : {"templates", "alertProviders"}) {
    const Node list = root.get(listKey);
    if (!list.isDefined() || list.isNull()) continue;
    if (!list.isSequence()) {
      ps.error(list, listKey, "expected a list, found " + Parser::describe(list));
      continue;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      loaded.append(loadResources(ps, list.item(i), fmt::format("{}[{}]", listKey, i), dir));
    }
  }
  for (auto& e : loaded.errors) errors.push_back(e);
  if (errors.empty()) {
    api::ValidateOptions vo;
    vo.requireTemplates = !loaded.templates.empty();
    auto report = api::validate(loaded, vo);
    for (auto& f : report.findings) {
      (f.severity == api::Finding::Severity::Error ? errors : sc.warnings).push_back(f.error);
    }
    for (auto& w : loaded.warnings) sc.warnings.push_back(w);
  }

  const Node target = root.get("target");
  if (target.isDefined() && ps.keys(target, "target", {"revision", "configs"})) {
    if (target.get("revision").isDefined()) sc.revision = Parser::toJson(target.get("revision"));
    if (target.get("configs").isDefined()) ps.configs(target.get("configs"), "target.configs", sc.configs);
  }
  if (root.get("metrics").isDefined()) ps.metrics(root.get("metrics"), "metrics", sc.metrics);
  if (root.get("webhooks").isDefined()) ps.hooks(root.get("webhooks"), "webhooks", sc.webhooks);
  const Node steps = root.get("steps");
  if (!steps.isDefined() || !steps.isSequence()) {
    ps.error(steps.isDefined() ? steps : root, "steps", "expected a list of steps");
  } else {
    for (size_t i = 0; i < steps.size(); ++i) {
      if (auto s = ps.step(steps.item(i), fmt::format("steps[{}]", i))) sc.steps.push_back(std::move(*s));
    }
  }
  if (!errors.empty()) return fail();
  sc.canary = std::move(loaded.canaries.front());
  if (sc.canary.metadata.namespace_.empty()) sc.canary.metadata.namespace_ = "default";
  sc.templates = std::move(loaded.templates);
  sc.alertProviders = std::move(loaded.alertProviders);
  return sc;
}

}  // namespace aviary::simulate
