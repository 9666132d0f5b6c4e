// SetRoutes / GetRoutes / the Reconcile comparison on VirtualService JSON (flagger-integration.md
// §3.3–3.7). The rule order and cookie rotation come from route_rules.h, shared with the other
// routers; this file only gives them Istio's shape.
#include <algorithm>

#include "router/istio/istio_internal.h"
#include "router/istio/istio_objects.h"
#include "router/route_rules.h"

namespace aviary::router::istio {
namespace {

using detail::destination;

// Reading objects that come from the API server: any shape is possible, nothing may throw.
const Json& field(const Json& o, const char* key) {
  static const Json kNull;
  return o.is_object() && o.contains(key) ? o[key] : kNull;
}
const Json& items(const Json& j) {
  static const Json kEmpty = Json::array();
  return j.is_array() ? j : kEmpty;
}
std::string text(const Json& j) { return j.is_string() ? j.get<std::string>() : std::string(); }
int32_t weightOf(const Json& d) {
  const Json& w = field(d, "weight");
  if (w.is_number_unsigned()) return static_cast<int32_t>(std::min<uint64_t>(w.get<uint64_t>(), 1000));
  if (w.is_number_integer()) return static_cast<int32_t>(std::clamp<int64_t>(w.get<int64_t>(), -1, 1000));
  return 0;
}
std::string hostOf(const Json& d) { return text(field(field(d, "destination"), "host")); }

Json setCookie(const std::string& cookie) { return {{"response", {{"add", {{"Set-Cookie", cookie}}}}}}; }

Json cookieMatch(const api::Canary& canary, const std::string& cookie) {
  Json m = Json::array({{{"headers", {{"Cookie", {{"regex", cookieRegex(cookie)}}}}}}});
  return detail::mergeMatches(m, detail::matches(canary.spec.service.match));
}

// The weighted route W of SetRoutes, with the Set-Cookie headers of its destinations.
Json weightedRoute(const api::Canary& canary, const RouteRule& rule) {
  const auto names = serviceNames(canary);
  Json w = detail::commonRoute(canary, detail::matches(canary.spec.service.match));
  Json primary = destination(canary, names.primary, rule.weights.primary());
  Json canaryDest = destination(canary, names.canary, rule.weights.canary());
  if (!rule.primarySetCookie.empty()) primary["headers"] = setCookie(rule.primarySetCookie);
  if (!rule.canarySetCookie.empty()) canaryDest["headers"] = setCookie(rule.canarySetCookie);
  w["route"] = Json::array({primary, canaryDest});
  return w;
}

Json httpRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Random& random) {
  const auto names = serviceNames(canary);
  const auto rules = buildRouteRules(canary, status, weights, random);
  // A/B: the default route carries the primary weight too (0 during A/B: Istio still sends it all).
  if (detail::isAb(canary)) return detail::abRoutes(canary, weights.primary(), weights.canary());
  const auto weighted = std::find_if(rules.begin(), rules.end(),
                                     [](const RouteRule& r) { return r.kind == RouteRule::Kind::Weighted; });
  const Json w = weightedRoute(canary, *weighted);
  Json http = Json::array();
  for (const auto& rule : rules) {
    if (rule.kind == RouteRule::Kind::Weighted) {
      http.push_back(w);
      continue;
    }
    // Sticky rules are copies of W (common fields) with their own match and destinations.
    Json sticky = detail::commonRoute(canary, cookieMatch(canary, rule.cookieMatch));
    sticky["route"] = Json::array({destination(canary, names.primary, rule.weights.primary()),
                                   destination(canary, names.canary, rule.weights.canary())});
    if (!rule.routeSetCookie.empty()) {
      // Route-level header that expires the previous canary cookie. Flagger shares this header
      // object with W when spec.service.headers is set (its [Q]); here only the sticky rule has it.
      Json headers = sticky.contains("headers") && sticky["headers"].is_object() ? sticky["headers"] : Json::object();
      headers["response"]["add"]["Set-Cookie"] = rule.routeSetCookie;
      sticky["headers"] = headers;
    }
    http.push_back(std::move(sticky));
  }
  // With session affinity at weight 0 and no previous cookie Flagger writes W twice.
  if (canary.spec.analysis && canary.spec.analysis->sessionAffinity && http.size() == 1) http.push_back(w);
  return http;
}

// The parts of a spec Reconcile compares (see sameRouting).
Json comparable(const api::Canary& canary, const Json& spec) {
  Json out = Json::object();
  for (const char* k : kModelledSpecKeys) {
    if (spec.is_object() && spec.contains(k)) out[k] = spec[k];
  }
  const auto& analysis = canary.spec.analysis;
  const api::SessionAffinity* sa = analysis && analysis->sessionAffinity ? &*analysis->sessionAffinity : nullptr;
  auto isCookieRoute = [&](const Json& route) {
    if (!sa) return false;
    for (const auto& m : items(field(route, "match"))) {
      const std::string regex = text(field(field(field(m, "headers"), "Cookie"), "regex"));
      for (const std::string* name : {&sa->cookieName, &sa->primaryCookieName}) {
        // Flagger's test is a bare substring test, true for an empty primaryCookieName (its [Q]);
        // here an empty name matches nothing.
        if (!name->empty() && regex.find(*name) != std::string::npos) return true;
      }
    }
    return false;
  };
  for (const char* kind : {"http", "tcp"}) {
    if (!out.contains(kind) || !out[kind].is_array()) continue;
    Json kept = Json::array();
    for (Json route : out[kind]) {
      if (isCookieRoute(route)) continue;
      if (!route.is_object()) {
        kept.push_back(std::move(route));
        continue;
      }
      route.erase("mirror");
      route.erase("mirrorPercentage");
      if (route.contains("route") && route["route"].is_array()) {
        for (auto& d : route["route"]) {
          if (!d.is_object()) continue;
          d.erase("weight");
          if (sa) d.erase("headers");
        }
      }
      kept.push_back(std::move(route));
    }
    out[kind] = kept;
  }
  return out;
}

}  // namespace

Status applyRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror,
                   Random& random, Json& spec) {
  const auto names = serviceNames(canary);
  if (!spec.is_object()) spec = Json::object();
  if (detail::isTcp(canary)) {
    spec["tcp"] = Json::array({detail::tcpRoute(canary, weights.primary(), weights.canary())});
    return okStatus();
  }
  Json http = httpRoutes(canary, status, weights, random);
  if (mirror == Mirror::Yes && !detail::isAb(canary)) {
    http[0]["mirror"] = {{"host", names.canary}};
    const auto& a = canary.spec.analysis;
    if (a && a->mirrorWeight && *a->mirrorWeight > 0) http[0]["mirrorPercentage"] = {{"value", *a->mirrorWeight}};
  }
  spec["http"] = std::move(http);
  return okStatus();
}

Result<Json> virtualServiceAt(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror,
                              Random& random, const ObjectOptions& options) {
  auto vs = virtualService(canary, options);
  if (!vs.ok()) return vs.error();
  if (auto s = applyRoutes(canary, status, weights, mirror, random, (*vs)["spec"]); !s.ok()) return s.error();
  return vs;
}

Result<Routes> readRoutes(const api::Canary& canary, const Json& virtualService) {
  const auto names = serviceNames(canary);
  const Json& routes = items(field(field(virtualService, "spec"), detail::isTcp(canary) ? "tcp" : "http"));
  auto sendsToCanary = [&](const Json& r) {
    const Json& dests = items(field(r, "route"));
    return std::any_of(dests.begin(), dests.end(), [&](const Json& d) { return hostOf(d) == names.canary; });
  };
  const Json* chosen = nullptr;  // the last route that sends to the canary
  for (const auto& r : routes) {
    if (sendsToCanary(r)) chosen = &r;
  }
  int32_t primary = 0, canaryWeight = 0;
  auto take = [&](const Json& d) {
    if (hostOf(d) == names.primary) primary = weightOf(d);
    if (hostOf(d) == names.canary) canaryWeight = weightOf(d);
  };
  const Json none;
  const Json& route = chosen ? *chosen : none;
  for (const auto& d : items(field(route, "route"))) take(d);
  const bool mirrored = !detail::isTcp(canary) && !text(field(field(route, "mirror"), "host")).empty();
  if (!detail::isTcp(canary) && canary.spec.analysis && canary.spec.analysis->sessionAffinity) {
    // The destinations that set a cookie belong to the weighted rule: they are authoritative.
    for (const auto& r : routes) {
      for (const auto& d : items(field(r, "route"))) {
        if (!field(d, "headers").is_null()) take(d);
      }
    }
  }
  if (primary == 0 && canaryWeight == 0) {
    return makeError(ErrorCode::NotFound, "VirtualService " + names.apex + "." + canary.metadata.namespace_ +
                                              " does not contain routes for " + names.primary + " and " + names.canary);
  }
  auto weights = Weights::of(primary, canaryWeight);
  if (!weights.ok()) return weights.error();
  return Routes{*weights, mirrored ? Mirror::Yes : Mirror::No};
}

bool sameRouting(const api::Canary& canary, const Json& desired, const Json& existing) {
  Json e = existing;
  if (canary.spec.service.delegation && e.is_object()) {
    e["hosts"] = Json::array();
    e.erase("gateways");
  }
  return comparable(canary, desired) == comparable(canary, e);
}

}  // namespace aviary::router::istio
