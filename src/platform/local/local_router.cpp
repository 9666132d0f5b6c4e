#include "platform/local/local_router.h"

#include <re2/re2.h>
#include <spdlog/spdlog.h>

#include "router/route_rules.h"

namespace aviary::platform::local {

using nlohmann::json;
using router::RouteRule;
using router::Weights;

namespace {

struct Clusters {
  std::string primary, canary;
};

Clusters clustersOf(const api::Canary& canary) {
  const std::string ns = namespaceOf(canary), apex = canary.serviceName();
  return {Mesh::clusterName(ns, apex + "-primary"), Mesh::clusterName(ns, apex + "-canary")};
}

// Flagger's merge(a, d) (integration §3.2): a when d is empty, else for each x in a and y in d a
// copy of y whose headers (and sourceLabels) x replaces when x sets them.
std::vector<api::HttpMatch> merge(const std::vector<api::HttpMatch>& a, const std::vector<api::HttpMatch>& d) {
  if (d.empty()) return a;
  std::vector<api::HttpMatch> out;
  for (const auto& x : a) {
    for (const auto& y : d) {
      api::HttpMatch m = y;
      if (!x.headers.empty()) m.headers = x.headers;
      if (!x.sourceLabels.empty()) m.sourceLabels = x.sourceLabels;
      out.push_back(std::move(m));
    }
  }
  return out;
}

json stringMatch(const api::StringMatch& m) {
  if (!m.exact.empty()) return {{"exact", m.exact}};
  if (!m.prefix.empty()) return {{"prefix", m.prefix}};
  if (!m.suffix.empty()) return {{"regex", ".*" + RE2::QuoteMeta(m.suffix)}};  // the proxy has no suffix
  if (!m.regex.empty()) return {{"regex", m.regex}};
  return {{"exact", ""}};
}

json namedMatches(const std::map<std::string, api::StringMatch>& in) {
  json out = json::object();
  for (const auto& [name, m] : in) out[name] = stringMatch(m);
  return out;
}

// One Istio HTTPMatchRequest in the proxy's match syntax; what the mesh cannot evaluate is an
// error naming the field under `path`.
json convertMatch(const api::HttpMatch& m, const std::string& path, ErrorList& errors) {
  json out = json::object();
  if (m.uri) out["uri"] = stringMatch(*m.uri);
  if (m.method) out["method"] = stringMatch(*m.method);
  if (!m.headers.empty()) out["headers"] = namedMatches(m.headers);
  if (!m.withoutHeaders.empty()) out["withoutHeaders"] = namedMatches(m.withoutHeaders);
  if (!m.queryParams.empty()) out["queryParams"] = namedMatches(m.queryParams);
  if (m.ignoreUriCase) out["ignoreUriCase"] = *m.ignoreUriCase;
  auto unsupported = [&](bool present, const char* field, const char* why) {
    if (present) errors.push_back(makeError(ErrorCode::Invalid, std::string("not supported by the local mesh: ") + why,
                                            path + "." + field));
  };
  unsupported(m.authority.has_value(), "authority", "it routes by host itself");
  unsupported(m.scheme.has_value(), "scheme", "it serves plain HTTP only");
  unsupported(m.port.has_value(), "port", "each service has one port");
  unsupported(!m.sourceLabels.empty(), "sourceLabels", "clients have no labels");
  if (m.extra.is_object()) {
    for (const auto& [key, value] : m.extra.items()) unsupported(true, key.c_str(), "field not modelled");
  }
  return out;
}

json convertMatches(const std::vector<api::HttpMatch>& in, const std::string& path, ErrorList& errors) {
  json out = json::array();
  for (size_t i = 0; i < in.size(); ++i) out.push_back(convertMatch(in[i], path + "[" + std::to_string(i) + "]", errors));
  return out;
}

// The fields every route of the apex carries (Flagger's "common HTTP route fields").
json commonFields(const api::CanaryService& svc) {
  json r = json::object();
  r["timeout"] = svc.timeout.empty() ? "0s" : svc.timeout;  // Istio: no route timeout by default
  if (svc.retries) {
    json retries = json::object();
    retries["attempts"] = svc.retries->attempts.value_or(0);
    if (!svc.retries->perTryTimeout.empty()) retries["perTryTimeout"] = svc.retries->perTryTimeout;
    if (!svc.retries->retryOn.empty()) retries["retryOn"] = svc.retries->retryOn;
    r["retries"] = retries;
  }
  if (svc.headers.is_object() && !svc.headers.empty()) r["headers"] = svc.headers;
  if (svc.rewrite.is_object()) {
    json rewrite = json::object();
    for (const char* key : {"uri", "authority"}) {
      if (svc.rewrite.contains(key)) rewrite[key] = svc.rewrite[key];
    }
    if (!rewrite.empty()) r["rewrite"] = rewrite;
  }
  return r;
}

json destination(const std::string& cluster, int32_t weight, const std::string& setCookie) {
  json d = {{"cluster", cluster}, {"weight", weight}};
  if (!setCookie.empty()) d["headers"] = {{"response", {{"add", {{"Set-Cookie", setCookie}}}}}};
  return d;
}

api::HttpMatch cookieMatch(const std::string& cookie) {
  api::HttpMatch m;
  m.headers["Cookie"].regex = router::cookieRegex(cookie);
  return m;
}

}  // namespace

std::string namespaceOf(const api::Canary& canary) {
  return canary.metadata.namespace_.empty() ? "default" : canary.metadata.namespace_;
}

Result<json> LocalRouter::renderRoutes(const api::Canary& canary, const std::vector<RouteRule>& rules,
                                       int32_t mirrorPercent) {
  const api::CanaryService& svc = canary.spec.service;
  const Clusters c = clustersOf(canary);
  ErrorList errors;
  const json common = commonFields(svc);
  const json serviceMatch = convertMatches(svc.match, "spec.service.match", errors);
  bool ab = false;  // the weighted rule is A/B's fallback (initial and finalize routes are plain)
  for (const RouteRule& rule : rules) ab = ab || rule.kind == RouteRule::Kind::Match;
  json routes = json::array();
  for (const RouteRule& rule : rules) {
    json r = common;
    const Weights w = rule.weights;
    switch (rule.kind) {
      case RouteRule::Kind::Weighted:
        r["name"] = ab ? "primary" : "weighted";
        if (!serviceMatch.empty()) r["match"] = serviceMatch;
        // A/B's fallback: one destination (Flagger writes weight p, 0 during A/B; Istio sends it all).
        r["route"] = ab ? json::array({destination(c.primary, 100, "")})
                        : json::array({destination(c.primary, w.primary(), rule.primarySetCookie),
                                       destination(c.canary, w.canary(), rule.canarySetCookie)});
        break;
      case RouteRule::Kind::Match:
        r["name"] = "ab-match";
        r["match"] = convertMatches(merge(canary.spec.analysis->match, svc.match), "spec.analysis.match", errors);
        r["route"] = json::array({destination(c.primary, w.primary(), ""), destination(c.canary, w.canary(), "")});
        break;
      case RouteRule::Kind::StickyCanary:
      case RouteRule::Kind::StickyPrimary:
        r["name"] = rule.kind == RouteRule::Kind::StickyCanary ? "sticky-canary" : "sticky-primary";
        r["match"] = convertMatches(merge({cookieMatch(rule.cookieMatch)}, svc.match), "spec.service.match", errors);
        r["route"] = json::array({destination(c.primary, w.primary(), ""), destination(c.canary, w.canary(), "")});
        if (!rule.routeSetCookie.empty()) r["headers"]["response"]["add"]["Set-Cookie"] = rule.routeSetCookie;
        break;
    }
    routes.push_back(std::move(r));
  }
  if (mirrorPercent > 0 && !routes.empty()) routes[0]["mirror"] = {{"cluster", c.canary}, {"percentage", mirrorPercent}};
  if (!errors.empty()) return proxy::joinErrors(errors);
  return routes;
}

Status LocalRouter::reconcile(const api::Canary& canary) {
  const int32_t port = canary.spec.service.port;
  if (port <= 0 || port > 65535) {
    return makeError(ErrorCode::Invalid, "expected a port in 1-65535, found " + std::to_string(port), "spec.service.port");
  }
  const std::vector<RouteRule> initial = {{RouteRule::Kind::Weighted, {}, Weights::allPrimary(), {}, {}, {}}};
  auto routes = renderRoutes(canary, initial, 0);
  if (!routes.ok()) return routes.error();
  return mesh_.declareCanary(namespaceOf(canary), canary.serviceName(), canary.spec.targetRef.name,
                             static_cast<uint16_t>(port), routes.value());
}

Status LocalRouter::setRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights,
                              router::Mirror mirror) {
  std::vector<RouteRule> rules;
  {
    std::lock_guard lock(randomMu_);
    rules = router::buildRouteRules(canary, status, weights, random_);
  }
  auto routes = renderRoutes(canary, rules, router::mirrorPercent(canary, mirror));
  if (!routes.ok()) return routes.error();
  return mesh_.setApexRoutes(namespaceOf(canary), canary.serviceName(), std::move(routes.value()));
}

Result<router::Routes> LocalRouter::getRoutes(const api::Canary& canary, const api::CanaryStatus& status) {
  const std::string ns = namespaceOf(canary), apex = canary.serviceName();
  auto routes = mesh_.apexRoutes(ns, apex);
  if (!routes.ok()) return routes.error();
  const Clusters c = clustersOf(canary);
  int64_t primary = 0, canaryWeight = 0;
  bool mirrored = false;
  auto weightOf = [](const json& d) { return d.contains("weight") ? d["weight"].get<int64_t>() : 0; };
  for (const json& r : routes.value()) {
    bool hasCanary = false;
    for (const json& d : r["route"]) hasCanary = hasCanary || d["cluster"] == c.canary;
    if (!hasCanary) continue;
    primary = 0;
    for (const json& d : r["route"]) {
      if (d["cluster"] == c.primary) primary = weightOf(d);
      if (d["cluster"] == c.canary) canaryWeight = weightOf(d);
    }
    mirrored = r.contains("mirror");
  }
  if (canary.spec.analysis && canary.spec.analysis->sessionAffinity) {
    for (const json& r : routes.value()) {
      for (const json& d : r["route"]) {
        if (!d.contains("headers")) continue;
        if (d["cluster"] == c.primary) primary = weightOf(d);
        if (d["cluster"] == c.canary) canaryWeight = weightOf(d);
      }
    }
  }
  if (primary == 0 && canaryWeight == 0) {
    return makeError(ErrorCode::Invalid, "the mesh routes of " + apex + "." + ns + " do not contain routes for " + apex +
                                             "-primary and " + apex + "-canary");
  }
  auto weights = Weights::of(static_cast<int32_t>(primary), static_cast<int32_t>(canaryWeight));
  if (!weights.ok()) return weights.error();
  return router::Routes{weights.value(), mirrored ? router::Mirror::Yes : router::Mirror::No};
}

Status LocalRouter::finalize(const api::Canary& canary) {
  const std::vector<RouteRule> rules = {{RouteRule::Kind::Weighted, {}, Weights::allPrimary(), {}, {}, {}}};
  auto routes = renderRoutes(canary, rules, 0);
  if (!routes.ok()) return routes.error();
  return mesh_.setApexRoutes(namespaceOf(canary), canary.serviceName(), std::move(routes.value()));
}

}  // namespace aviary::platform::local
