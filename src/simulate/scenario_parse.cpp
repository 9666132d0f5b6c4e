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
#include "simulate/scenario_parser.h"
#include "yaml/file.h"

namespace aviary::simulate {

using detail::Parser;
using yaml::Node;

std::optional<Step> detail::Parser::step(const Node& n, const std::string& path) {
  if (!n.isMap() || n.size() != 1) {
    error(n, path,
          "expected an object with exactly one key (tick, ready, revision, configs, metrics, webhooks, providers, "
          "spec, expect, expectEvent, expectNoEvent, expectAlert, apply, dump), found " +
              describe(n));
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
  } else if (key == "ready" && kube_) {
    ReadyStep r;
    readyByName(v, p, r);
    s.body = r;
  } else if (key == "ready") {
    ReadyStep r;
    if (keys(v, p, {"primary", "canary", "primaryMessage", "canaryMessage"})) {
      if (v.get("primary").isDefined()) r.primary = boolean(v.get("primary"), p + ".primary");
      if (v.get("canary").isDefined()) r.canary = boolean(v.get("canary"), p + ".canary");
      if (v.get("primaryMessage").isDefined())
        r.primaryMessage = string(v.get("primaryMessage"), p + ".primaryMessage").value_or("");
      if (v.get("canaryMessage").isDefined())
        r.canaryMessage = string(v.get("canaryMessage"), p + ".canaryMessage").value_or("");
    }
    s.body = r;
  } else if ((key == "revision" || key == "configs") && kube_) {
    error(kvKey, p,
          "a scenario on Kubernetes objects changes its target with `apply:` (a new revision is a changed "
          "pod template), found \"" +
              key + "\"");
  } else if ((key == "apply" || key == "dump") && !kube_) {
    error(kvKey, p, "\"" + key + "\" needs a scenario on Kubernetes objects (`objects:` instead of `target:`)");
  } else if (key == "apply") {
    ApplyStep a;
    kubeObjects(v, p, dir_, a.objects, nullptr);
    for (const auto& o : a.objects) {
      if (o.object.value("kind", "") == "Canary") {
        error(v, p, "applying a Canary is not supported; edit it with a `spec:` step");
        break;
      }
    }
    s.body = a;
  } else if (key == "dump") {
    DumpStep d;
    dump(v, p, d);
    s.body = d;
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
    if (keys(v, p,
             {"phase", "canaryWeight", "primaryWeight", "statusWeight", "failedChecks", "iterations", "mirror",
              "sessionAffinityCookie", "previousSessionAffinityCookie", "routes"})) {
      if (v.get("routes").isDefined()) routes(v.get("routes"), p + ".routes", e.routes);
      if (v.get("phase").isDefined()) {
        e.phase = string(v.get("phase"), p + ".phase");
        if (e.phase && !api::parsePhase(*e.phase))
          error(v.get("phase"), p + ".phase", "unknown phase \"" + *e.phase + "\"");
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
    error(kvKey, p,
          "unknown step \"" + key +
              "\", expected one of: tick, ready, revision, configs, metrics, webhooks, "
              "providers, spec, expect, expectEvent, expectNoEvent, expectAlert, apply, dump");
  }
  if (errors_.size() != before) return std::nullopt;
  return s;
}

namespace {

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
  if (!ps.keys(root, "",
               {"canary", "templates", "alertProviders", "target", "objects", "metrics", "webhooks", "steps"}))
    return fail();
  ps.dir_ = dir;
  const Node objects = root.get("objects");
  ps.kube_ = objects.isDefined();
  if (ps.kube_ && root.get("target").isDefined()) {
    ps.error(root.get("target"), "target", "give either `target:` (the in-memory target) or `objects:`, not both");
  }

  api::LoadResult loaded;
  if (ps.kube_) {
    // The Canary may be among the objects or given by `canary:`; either way it is created in the
    // API server with them.
    ps.kubeObjects(objects, "objects", dir, sc.objects, &loaded);
    if (root.get("canary").isDefined()) {
      std::vector<KubeObject> canaryObjects;
      ps.kubeObjects(root.get("canary"), "canary", dir, canaryObjects, &loaded);
      sc.objects.insert(sc.objects.end(), canaryObjects.begin(), canaryObjects.end());
    }
    if (errors.empty() && loaded.ok() && loaded.canaries.size() != 1) {
      ps.error(
          objects, "objects",
          fmt::format("expected exactly one Canary among the objects and `canary:`, found {}", loaded.canaries.size()));
    }
  } else if (!root.get("canary").isDefined()) {
    ps.error(root, "canary", "required field is missing");
  } else {
    loaded = loadResources(ps, root.get("canary"), "canary", dir);
    if (loaded.ok() && loaded.canaries.size() != 1) {
      ps.error(root.get("canary"), "canary",
               fmt::format("expected exactly one Canary, found {}", loaded.canaries.size()));
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
