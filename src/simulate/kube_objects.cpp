#include "simulate/kube_objects.h"

#include <fmt/format.h>

#include "api/decode.h"
#include "yaml/reader.h"

namespace aviary::simulate::kube_objects {

extern const char* const kFlaggerCrds;
extern const char* const kIstioCrds;

namespace {

// Istio's Gateway: no router writes it, but a scenario may hold it (the seed's public-gateway).
Json gatewayCrd() {
  auto version = [](const char* name, bool storage) {
    return Json{
        {"name", name},
        {"served", true},
        {"storage", storage},
        {"schema", {{"openAPIV3Schema", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}};
  };
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "gateways.networking.istio.io"}}},
          {"spec",
           {{"group", "networking.istio.io"},
            {"names", {{"plural", "gateways"}, {"singular", "gateway"}, {"kind", "Gateway"}, {"shortNames", {"gw"}}}},
            {"scope", "Namespaced"},
            {"versions", Json::array({version("v1beta1", true), version("v1alpha3", false)})}}}};
}

// The destination hosts of a route list → weight. A lone destination gets all the traffic
// whatever its weight says, as Istio reads it (Flagger's A/B default route is the primary alone
// with weight 0 during the analysis).
std::map<std::string, int32_t> weightsByHost(const Json& route) {
  std::map<std::string, int32_t> out;
  if (!route.is_array()) return out;
  for (const auto& d : route) {
    if (!d.is_object() || !d.contains("destination") || !d["destination"].is_object()) continue;
    const std::string host = d["destination"].value("host", "");
    int32_t w = route.size() == 1                                         ? 100
                : d.contains("weight") && d["weight"].is_number_integer() ? d["weight"].get<int32_t>()
                                                                          : 0;
    out[host] += w;
  }
  return out;
}

// A destination host names a Service by its short name or any longer form ("podinfo-canary.test.svc…").
bool sameHost(const std::string& host, const std::string& service) {
  return host == service || host.rfind(service + ".", 0) == 0;
}

}  // namespace

Result<std::vector<Json>> yamlDocuments(const std::string& text, const std::string& source) {
  std::vector<Json> out;
  for (const auto& part : api::splitDocuments(text)) {
    yaml::Document doc;
    yaml::ParseError err;
    if (!yaml::parseDocument(part.text, part.line, doc, err)) {
      return makeError(ErrorCode::Invalid,
                       fmt::format("{}:{}:{}: invalid YAML: {}", source, err.line, err.column, err.message));
    }
    if (!doc.root().isDefined() || doc.root().isNull()) continue;
    ErrorList errors, warnings;
    yaml::Sink sink(source, errors, warnings);
    Json j;
    if (!yaml::toJson(sink, doc.root(), "", j)) return errors.front();
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::vector<Json>> builtinCrds() {
  auto flagger = yamlDocuments(kFlaggerCrds, "deploy/kubernetes/crds.yaml");
  if (!flagger) return flagger.error();
  auto istio = yamlDocuments(kIstioCrds, "tests/platform/kubernetes/testdata/istio-crds.yaml");
  if (!istio) return istio.error();
  std::vector<Json> out = std::move(*flagger);
  out.insert(out.end(), istio->begin(), istio->end());
  out.push_back(gatewayCrd());
  return out;
}

std::optional<sandbox::ResourceType> typeOf(const sandbox::Registry& registry, const std::string& apiVersion,
                                            const std::string& kind) {
  for (const auto& t : registry.all()) {
    if (t.apiVersion() == apiVersion && t.kind == kind) return t;
  }
  return std::nullopt;
}

std::optional<sandbox::ResourceType> typeOfKind(const sandbox::Registry& registry, const std::string& kind) {
  for (const auto& t : registry.all()) {
    if (t.kind == kind) return t;
  }
  return std::nullopt;
}

kube::Resource resourceOf(const sandbox::ResourceType& type) {
  return kube::Resource{type.group, type.version, type.plural, type.namespaced};
}

Result<std::map<std::string, int32_t>> routesOfVirtualService(const Json& vs, const std::string& primaryHost,
                                                              const std::string& canaryHost) {
  const Json spec = vs.value("spec", Json::object());
  const Json* route = nullptr;
  const Json* rule = nullptr;
  for (const char* kind : {"http", "tcp"}) {
    if (route || !spec.contains(kind) || !spec[kind].is_array()) continue;
    for (const auto& r : spec[kind]) {  // the last one without match: the default route
      if (r.is_object() && !r.contains("match") && r.contains("route")) {
        rule = &r;
        route = &r["route"];
      }
    }
  }
  if (!route)
    return makeError(ErrorCode::NotFound,
                     "the VirtualService has no default route (an HTTP or TCP route without match)");
  std::map<std::string, int32_t> out{{"primary", 0}, {"canary", 0}, {"mirror", 0}};
  for (const auto& [host, w] : weightsByHost(*route)) {
    if (sameHost(host, primaryHost)) out["primary"] += w;
    if (sameHost(host, canaryHost)) out["canary"] += w;
  }
  if (rule->contains("mirror") && (*rule)["mirror"].is_object() &&
      sameHost((*rule)["mirror"].value("host", ""), canaryHost)) {
    const Json pct = rule->value("mirrorPercentage", Json::object());
    out["mirror"] = pct.is_object() && pct.contains("value") && pct["value"].is_number()
                        ? static_cast<int32_t>(pct["value"].get<double>())
                        : 100;
  }
  return out;
}

Result<std::map<std::string, int32_t>> routesOfServices(const Json& apex, const Json& primary, const Json& canary) {
  auto selector = [](const Json& s) { return s.value("spec", Json::object()).value("selector", Json::object()); };
  const Json a = selector(apex);
  if (a.empty()) return makeError(ErrorCode::NotFound, "the apex Service has no selector");
  return std::map<std::string, int32_t>{
      {"primary", a == selector(primary) ? 100 : 0}, {"canary", a == selector(canary) ? 100 : 0}, {"mirror", 0}};
}

}  // namespace aviary::simulate::kube_objects
