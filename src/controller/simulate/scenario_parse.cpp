// Scenario parsing: yaml-cpp nodes to Scenario, positions on every error. The Canary and the
// other resources go through the API loader and validator (api/decode.h, api/validate.h).
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "api/decode.h"
#include "api/validate.h"
#include "controller/simulate/scenario.h"

namespace aviary::simulate {
namespace {

class Parser {
 public:
  Parser(std::string file, ErrorList& errors) : file_(std::move(file)), errors_(errors) {}

  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    Error e = makeError(ErrorCode::Invalid, message, path);
    e.pos = pos(at);
    errors_.push_back(std::move(e));
  }
  SourcePos pos(const YAML::Node& n) const {
    SourcePos p{file_, 0, 0};
    if (n.IsDefined()) {
      p.line = n.Mark().line + 1;
      p.column = n.Mark().column + 1;
    }
    return p;
  }

  std::optional<int32_t> integer(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar()) {
      try {
        size_t used = 0;
        const std::string s = n.Scalar();
        long v = std::stol(s, &used);
        if (used == s.size()) return static_cast<int32_t>(v);
      } catch (...) {
      }
    }
    error(n, path, "expected an integer, found " + describe(n));
    return std::nullopt;
  }
  std::optional<bool> boolean(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) return n.Scalar() == "true";
    error(n, path, "expected true or false, found " + describe(n));
    return std::nullopt;
  }
  std::optional<std::string> string(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar()) return n.Scalar();
    error(n, path, "expected a string, found " + describe(n));
    return std::nullopt;
  }
  static std::string describe(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "nothing";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "an object";
    return "\"" + n.Scalar() + "\"";
  }
  // Every key of `n` must be among `known` (each unknown key is reported). Returns whether `n`
  // is an object, so that its known fields are still read and checked.
  bool keys(const YAML::Node& n, const std::string& path, std::initializer_list<const char*> known) {
    if (!n.IsMap()) {
      error(n, path, "expected an object, found " + describe(n));
      return false;
    }
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      bool found = false;
      for (const char* name : known) found = found || k == name;
      if (!found) {
        std::string list;
        for (const char* name : known) list += (list.empty() ? "" : ", ") + std::string(name);
        error(kv.first, path.empty() ? k : path + "." + k, "unknown field \"" + k + "\", expected one of: " + list);
      }
    }
    return true;
  }

  static nlohmann::json toJson(const YAML::Node& n) {
    if (n.IsMap()) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) j[kv.first.Scalar()] = toJson(kv.second);
      return j;
    }
    if (n.IsSequence()) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& e : n) j.push_back(toJson(e));
      return j;
    }
    if (n.IsScalar()) return n.Scalar();
    return nullptr;
  }

  void metrics(const YAML::Node& n, const std::string& path, MetricsStep& out) {
    if (!n.IsMap()) return error(n, path, "expected an object of metric name -> answer, found " + describe(n));
    for (const auto& kv : n) {
      const std::string name = kv.first.Scalar();
      const std::string p = path + "." + name;
      const YAML::Node& v = kv.second;
      if (v.IsScalar() && v.Scalar() == "none") {
        out.answers[name] = controller::ScriptedMetric::none();
      } else if (v.IsScalar() && v.Scalar() == "error") {
        out.answers[name] = controller::ScriptedMetric::error();
      } else if (v.IsMap() && v["error"].IsDefined() && v.size() == 1) {
        if (auto s = string(v["error"], p + ".error")) out.answers[name] = controller::ScriptedMetric::error(*s);
      } else if (v.IsScalar()) {
        try {
          size_t used = 0;
          double d = std::stod(v.Scalar(), &used);
          if (used != v.Scalar().size()) throw std::invalid_argument("trailing");
          out.answers[name] = controller::ScriptedMetric::ofValue(d);
        } catch (...) {
          error(v, p, "expected a number, \"none\", \"error\" or {error: text}, found " + describe(v));
        }
      } else {
        error(v, p, "expected a number, \"none\", \"error\" or {error: text}, found " + describe(v));
      }
    }
  }

  void hooks(const YAML::Node& n, const std::string& path, WebhooksStep& out) {
    if (!n.IsMap()) return error(n, path, "expected an object of webhook name -> answer, found " + describe(n));
    for (const auto& kv : n) {
      const std::string name = kv.first.Scalar();
      const std::string p = path + "." + name;
      const YAML::Node& v = kv.second;
      if (v.IsScalar() && v.Scalar() == "timeout") {
        out.answers[name] = webhooks::ScriptedAnswer::timeout();
      } else if (v.IsMap()) {
        if (!keys(v, p, {"status", "body"})) continue;
        auto st = v["status"].IsDefined() ? integer(v["status"], p + ".status") : std::optional<int32_t>(200);
        std::string body = v["body"].IsDefined() ? string(v["body"], p + ".body").value_or("") : "";
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

  void configs(const YAML::Node& n, const std::string& path, ConfigsStep& out) {
    if (!n.IsMap()) return error(n, path, "expected an object of \"configmap/<name>\" or \"secret/<name>\" -> checksum, found " + describe(n));
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      if (key.rfind("configmap/", 0) != 0 && key.rfind("secret/", 0) != 0) {
        error(kv.first, path + "." + key, "expected a key \"configmap/<name>\" or \"secret/<name>\", found \"" + key + "\"");
        continue;
      }
      if (auto v = string(kv.second, path + "." + key)) out.configs[key] = *v;
    }
  }

  std::optional<Step> step(const YAML::Node& n, const std::string& path);

  std::string file_;
  ErrorList& errors_;
};

std::optional<Step> Parser::step(const YAML::Node& n, const std::string& path) {
  if (!n.IsMap() || n.size() != 1) {
    error(n, path, "expected an object with exactly one key (tick, ready, revision, configs, metrics, webhooks, providers, "
                   "spec, expect, expectEvent, expectNoEvent, expectAlert), found " + describe(n));
    return std::nullopt;
  }
  const auto kv = *n.begin();
  const std::string key = kv.first.Scalar();
  const YAML::Node v = kv.second;
  const std::string p = path + "." + key;
  Step s;
  s.line = n.Mark().line + 1;
  s.key = key;
  const size_t before = errors_.size();
  if (key == "tick") {
    auto c = integer(v, p);
    if (c && *c < 1) error(v, p, fmt::format("expected a positive number of ticks, found {}", *c));
    s.body = TickStep{c.value_or(1)};
  } else if (key == "ready") {
    ReadyStep r;
    if (keys(v, p, {"primary", "canary", "primaryMessage", "canaryMessage"})) {
      if (v["primary"].IsDefined()) r.primary = boolean(v["primary"], p + ".primary");
      if (v["canary"].IsDefined()) r.canary = boolean(v["canary"], p + ".canary");
      if (v["primaryMessage"].IsDefined()) r.primaryMessage = string(v["primaryMessage"], p + ".primaryMessage").value_or("");
      if (v["canaryMessage"].IsDefined()) r.canaryMessage = string(v["canaryMessage"], p + ".canaryMessage").value_or("");
    }
    s.body = r;
  } else if (key == "revision") {
    if (!v.IsDefined() || v.IsNull()) error(v, p, "expected a revision (any value), found nothing");
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
    if (v.IsScalar() && v.Scalar() == "ok") {
    } else if (auto e = string(v, p)) {
      ps.error = *e;
    }
    s.body = ps;
  } else if (key == "spec") {
    SpecStep sp;
    if (keys(v, p, {"suspend", "skipAnalysis"})) {
      if (v["suspend"].IsDefined()) sp.suspend = boolean(v["suspend"], p + ".suspend");
      if (v["skipAnalysis"].IsDefined()) sp.skipAnalysis = boolean(v["skipAnalysis"], p + ".skipAnalysis");
    }
    s.body = sp;
  } else if (key == "expect") {
    ExpectStep e;
    if (keys(v, p, {"phase", "canaryWeight", "primaryWeight", "statusWeight", "failedChecks", "iterations", "mirror",
                   "sessionAffinityCookie", "previousSessionAffinityCookie"})) {
      if (v["phase"].IsDefined()) {
        e.phase = string(v["phase"], p + ".phase");
        if (e.phase && !api::parsePhase(*e.phase)) error(v["phase"], p + ".phase", "unknown phase \"" + *e.phase + "\"");
      }
      auto num = [&](const char* k, std::optional<int32_t>& dst) {
        if (v[k].IsDefined()) dst = integer(v[k], p + "." + k);
      };
      num("canaryWeight", e.canaryWeight);
      num("primaryWeight", e.primaryWeight);
      num("statusWeight", e.statusWeight);
      num("failedChecks", e.failedChecks);
      num("iterations", e.iterations);
      auto flag = [&](const char* k, std::optional<bool>& dst) {
        if (v[k].IsDefined()) dst = boolean(v[k], p + "." + k);
      };
      flag("mirror", e.mirror);
      flag("sessionAffinityCookie", e.sessionAffinityCookie);
      flag("previousSessionAffinityCookie", e.previousSessionAffinityCookie);
    }
    s.body = e;
  } else if (key == "expectEvent" || key == "expectNoEvent") {
    ExpectEventStep e;
    e.negate = key == "expectNoEvent";
    if (v.IsMap()) {
      if (keys(v, p, {"message", "type"})) {
        e.message = string(v["message"], p + ".message").value_or("");
        if (v["type"].IsDefined()) {
          e.type = string(v["type"], p + ".type");
          if (e.type && *e.type != "Normal" && *e.type != "Warning") {
            error(v["type"], p + ".type", "expected Normal or Warning, found \"" + *e.type + "\"");
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
    error(kv.first, p, "unknown step \"" + key + "\", expected one of: tick, ready, revision, configs, metrics, webhooks, "
                       "providers, spec, expect, expectEvent, expectNoEvent, expectAlert");
  }
  if (errors_.size() != before) return std::nullopt;
  return s;
}

// Loads resources from `node`: a path (relative to the scenario) or an inline object.
api::LoadResult loadResources(Parser& ps, const YAML::Node& node, const std::string& path, const std::string& dir) {
  if (node.IsScalar()) {
    std::filesystem::path file(node.Scalar());
    if (file.is_relative()) file = std::filesystem::path(dir) / file;
    auto r = api::loadFile(file.string());
    if (!r) {
      ps.error(node, path, r.error().message);
      return {};
    }
    return std::move(*r);
  }
  if (node.IsMap()) return api::loadNode(node, ps.file_);
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
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    errors.push_back(Error{ErrorCode::Io, "cannot read file", "", SourcePos{path, 0, 0}});
    return fail();
  } catch (const YAML::ParserException& e) {
    errors.push_back(Error{ErrorCode::Invalid, e.msg, "", SourcePos{path, e.mark.line + 1, e.mark.column + 1}});
    return fail();
  }
  Parser ps(path, errors);
  Scenario sc;
  sc.file = path;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (!ps.keys(root, "", {"canary", "templates", "alertProviders", "target", "metrics", "webhooks", "steps"})) return fail();

  api::LoadResult loaded;
  if (!root["canary"].IsDefined()) {
    ps.error(root, "canary", "required field is missing");
  } else {
    loaded = loadResources(ps, root["canary"], "canary", dir);
    if (loaded.ok() && loaded.canaries.size() != 1) {
      ps.error(root["canary"], "canary", fmt::format("expected exactly one Canary, found {}", loaded.canaries.size()));
    }
  }
  for (const char* listKey : {"templates", "alertProviders"}) {
    const YAML::Node list = root[listKey];
    if (!list.IsDefined() || list.IsNull()) continue;
    if (!list.IsSequence()) {
      ps.error(list, listKey, "expected a list, found " + Parser::describe(list));
      continue;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      loaded.append(loadResources(ps, list[i], fmt::format("{}[{}]", listKey, i), dir));
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

  const YAML::Node target = root["target"];
  if (target.IsDefined() && ps.keys(target, "target", {"revision", "configs"})) {
    if (target["revision"].IsDefined()) sc.revision = Parser::toJson(target["revision"]);
    if (target["configs"].IsDefined()) ps.configs(target["configs"], "target.configs", sc.configs);
  }
  if (root["metrics"].IsDefined()) ps.metrics(root["metrics"], "metrics", sc.metrics);
  if (root["webhooks"].IsDefined()) ps.hooks(root["webhooks"], "webhooks", sc.webhooks);
  const YAML::Node steps = root["steps"];
  if (!steps.IsDefined() || !steps.IsSequence()) {
    ps.error(steps.IsDefined() ? steps : root, "steps", "expected a list of steps");
  } else {
    for (size_t i = 0; i < steps.size(); ++i) {
      if (auto s = ps.step(steps[i], fmt::format("steps[{}]", i))) sc.steps.push_back(std::move(*s));
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
