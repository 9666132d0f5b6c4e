#include "sandbox/openapi.h"

#include <functional>

namespace aviary::sandbox {

using nlohmann::json;

namespace {

std::string gvPathOf(const ResourceType& t) { return t.group.empty() ? "api/" + t.version : "apis/" + t.group + "/" + t.version; }

// Kubernetes names schemas by reversed group ("io.k8s.api.apps.v1.Deployment", "app.flagger.v1beta1.Canary").
std::string schemaName(const ResourceType& t) {
  std::string g = t.group.empty() ? "core" : t.group;
  std::string reversed;
  size_t end = g.size();
  while (true) {
    size_t dot = g.rfind('.', end - 1);
    std::string part = g.substr(dot == std::string::npos ? 0 : dot + 1, end - (dot == std::string::npos ? 0 : dot + 1));
    reversed += (reversed.empty() ? "" : ".") + part;
    if (dot == std::string::npos || dot == 0) break;
    end = dot;
  }
  if (t.crdName.empty()) reversed = "io.k8s.api." + (t.group.empty() ? std::string("core") : t.group);
  return reversed + "." + t.version + "." + t.kind;
}

json gvk(const ResourceType& t) { return json::array({{{"group", t.group}, {"version", t.version}, {"kind", t.kind}}}); }

}  // namespace

json openApiIndex(const std::vector<ResourceType>& types) {
  json paths = json::object();
  for (const auto& t : types) {
    std::string p = gvPathOf(t);
    if (paths.contains(p)) continue;
    auto doc = openApiGroupVersion(types, p, json::object());
    std::string hash = std::to_string(std::hash<std::string>{}(doc ? doc->dump() : ""));
    paths[p] = {{"serverRelativeURL", "/openapi/v3/" + p + "?hash=" + hash}};
  }
  return {{"paths", paths}};
}

std::optional<json> openApiGroupVersion(const std::vector<ResourceType>& types, const std::string& gvPath,
                                        const json& crdSchemas) {
  json paths = json::object(), schemas = json::object();
  bool any = false;
  for (const auto& t : types) {
    if (gvPathOf(t) != gvPath) continue;
    any = true;
    std::string base = "/" + gvPath + (t.namespaced ? "/namespaces/{namespace}/" : "/") + t.plural + "/{name}";
    json params = json::array({{{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}},
                                {"description", "Strict, Warn or Ignore (the sandbox accepts and does not enforce it)"}},
                               {{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}}});
    json op = {{"parameters", params},
               {"x-kubernetes-group-version-kind", gvk(t)[0]},
               {"responses", {{"200", {{"description", "OK"}}}}}};
    paths[base] = {{"get", op}, {"put", op}, {"patch", op}, {"delete", op}};
    std::string collection = base.substr(0, base.size() - 7);
    paths[collection] = {{"post", op}, {"get", op}};
    json schema = {{"type", "object"}, {"description", t.kind + " (" + t.apiVersion() + ")"}};
    if (!t.crdName.empty() && crdSchemas.contains(t.crdName) && crdSchemas[t.crdName].contains(t.version)) {
      schema = crdSchemas[t.crdName][t.version];
    }
    schema["x-kubernetes-group-version-kind"] = gvk(t);
    schemas[schemaName(t)] = schema;
  }
  if (!any) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes (aviary sandbox)"}, {"version", "v1.32.0"}}},
              {"paths", paths},
              {"components", {{"schemas", schemas}}}};
}

}  // namespace aviary::sandbox
