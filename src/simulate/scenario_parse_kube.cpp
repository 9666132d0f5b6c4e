// The parts of a scenario on Kubernetes objects (docs/simulate.md): `objects:`, `apply:`,
// `ready:` by object name, `dump:` and `expect.routes`. Objects are kept as JSON (the sandbox API
// server stores them as given); the flagger.app ones are also decoded for validation.
#include <filesystem>

#include "api/decode.h"
#include "simulate/scenario_parser.h"
#include "yaml/file.h"

namespace aviary::simulate {

using detail::Parser;
using yaml::Node;

namespace {

// Adds `n` (one document) as an object when it names apiVersion, kind and metadata.name.
void addObject(Parser& ps, const Node& n, const std::string& path, std::vector<KubeObject>& out) {
  ErrorList warnings;
  yaml::Sink sink(ps.file_, ps.errors_, warnings);
  nlohmann::json j;
  if (!n.isMap()) return ps.error(n, path, "expected a Kubernetes object, found " + Parser::describe(n));
  if (!yaml::toJson(sink, n, path, j)) return;
  const size_t before = ps.errors_.size();
  for (const char* field : {"apiVersion", "kind"}) {
    if (!j.contains(field) || !j[field].is_string() || j[field].get<std::string>().empty()) {
      ps.error(n.get(field).isDefined() ? n.get(field) : n, path.empty() ? field : path + "." + field,
               "expected a non-empty string, found " + Parser::describe(n.get(field)));
    }
  }
  const Node meta = n.get("metadata");
  if (!j.contains("metadata") || !j["metadata"].is_object() || !j["metadata"].contains("name") ||
      !j["metadata"]["name"].is_string() || j["metadata"]["name"].get<std::string>().empty()) {
    ps.error(meta.isDefined() ? meta : n, path + ".metadata.name",
             "expected a non-empty string, found " + Parser::describe(meta.get("name")));
  }
  if (ps.errors_.size() == before) out.push_back(KubeObject{std::move(j), ps.pos(n)});
}

}  // namespace

void detail::Parser::kubeObjects(const Node& n, const std::string& path, const std::string& dir,
                                 std::vector<KubeObject>& out, api::LoadResult* typed) {
  if (n.isSequence()) {
    if (n.size() == 0) error(n, path, "expected at least one object or file, found an empty list");
    for (size_t i = 0; i < n.size(); ++i) kubeObjects(n.item(i), fmt::format("{}[{}]", path, i), dir, out, typed);
    return;
  }
  if (n.isMap()) {
    const size_t before = errors_.size();
    addObject(*this, n, path, out);
    if (typed && errors_.size() == before) typed->append(api::loadNode(n, file_));  // each problem once
    return;
  }
  if (!n.isScalar() || n.str().empty()) {
    return error(n, path, "expected a file path, an inline object or a list of them, found " + describe(n));
  }
  std::filesystem::path file(n.str());
  if (file.is_relative()) file = std::filesystem::path(dir) / file;
  std::string text;
  if (auto st = yaml::readFile(file.string(), text); !st.ok()) return error(n, path, st.error().message);
  // Each document of the file, with its own positions in that file.
  Parser inFile(file.string(), errors_);
  const size_t before = out.size(), errorsBefore = errors_.size();
  for (const auto& part : api::splitDocuments(text)) {
    yaml::Document doc;
    yaml::ParseError err;
    if (!yaml::parseDocument(part.text, part.line, doc, err)) {
      errors_.push_back(Error{ErrorCode::Invalid, "invalid YAML: " + err.message, "",
                              SourcePos{file.string(), err.line, err.column}});
      continue;
    }
    if (!doc.root().isDefined() || doc.root().isNull()) continue;
    addObject(inFile, doc.root(), "", out);
  }
  if (errors_.size() != errorsBefore) return;  // reported once, not again by the decoder
  if (out.size() == before) return error(n, path, "no object in " + file.string());
  if (typed) typed->append(api::loadString(text, file.string()));
}

void detail::Parser::readyByName(const Node& n, const std::string& path, ReadyStep& out) {
  if (!n.isMap() || n.size() == 0) {
    return error(n, path, "expected an object of Deployment/DaemonSet name -> true or false, found " + describe(n));
  }
  for (size_t ki = 0; ki < n.size(); ++ki) {
    const std::string name = n.key(ki).str();
    if (auto b = boolean(n.value(ki), path + "." + name)) out.objects[name] = *b;
  }
}

void detail::Parser::dump(const Node& n, const std::string& path, DumpStep& out) {
  if (!n.isSequence() || n.size() == 0) {
    return error(n, path, "expected a list of \"Kind/name\" (e.g. VirtualService/podinfo), found " + describe(n));
  }
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", path, i);
    auto s = string(n.item(i), p);
    if (!s) continue;
    const size_t slash = s->find('/');
    if (slash == 0 || slash == std::string::npos || slash + 1 == s->size() ||
        s->find('/', slash + 1) != std::string::npos) {
      error(n.item(i), p, "expected \"Kind/name\" (e.g. Deployment/podinfo-primary), found \"" + *s + "\"");
      continue;
    }
    out.refs.push_back(*s);
  }
}

void detail::Parser::routes(const Node& n, const std::string& path, std::map<std::string, int32_t>& out) {
  if (!keys(n, path, {"primary", "canary", "mirror"})) return;
  for (size_t ki = 0; ki < n.size(); ++ki) {
    const std::string k = n.key(ki).str();
    if (k != "primary" && k != "canary" && k != "mirror") continue;
    auto v = integer(n.value(ki), path + "." + k);
    if (!v) continue;
    if (*v < 0 || *v > 100) {
      error(n.value(ki), path + "." + k, fmt::format("expected a percentage in [0, 100], found {}", *v));
      continue;
    }
    out[k] = *v;
  }
}

}  // namespace aviary::simulate
