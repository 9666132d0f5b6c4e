#include "router/istio/istio_objects.h"

#include <algorithm>
#include <cctype>

#include "api/encode.h"
#include "router/istio/istio_internal.h"

namespace aviary::router::istio {
namespace detail {

bool isTcp(const api::Canary& canary) {
  std::string p = canary.spec.service.appProtocol;
  std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
  return p == "tcp";
}

bool isAb(const api::Canary& canary) { return canary.spec.analysis && !canary.spec.analysis->match.empty(); }

Json destination(const api::Canary& canary, const std::string& host, int weight) {
  const auto& svc = canary.spec.service;
  Json dest = {{"host", host}};
  if (svc.portDiscovery && ((!svc.gateways.empty() && svc.gateways[0] != "mesh") || svc.delegation)) {
    dest["port"] = {{"number", svc.port}};
  }
  return {{"destination", dest}, {"weight", weight}};
}

Json matches(const std::vector<api::HttpMatch>& list) {
  Json out = Json::array();
  for (const auto& m : list) {
    Json j = api::encode(m);
    // Flagger's typed model omits the zero values; our encoder writes what the user wrote.
    if (j.contains("ignoreUriCase") && j["ignoreUriCase"] == false) j.erase("ignoreUriCase");
    if (j.contains("port") && j["port"] == 0) j.erase("port");
    out.push_back(std::move(j));
  }
  return out;
}

Json mergeMatches(const Json& canary, const Json& defaults) {
  if (defaults.empty()) return canary;
  Json merged = Json::array();
  for (const auto& c : canary) {
    for (const auto& d : defaults) {
      Json m = d;
      if (c.contains("headers")) m["headers"] = c["headers"];
      if (c.contains("sourceLabels")) m["sourceLabels"] = c["sourceLabels"];
      merged.push_back(std::move(m));
    }
  }
  return merged;
}

Json commonRoute(const api::Canary& canary, const Json& match) {
  const auto& svc = canary.spec.service;
  Json r = Json::object();
  if (!match.empty()) r["match"] = match;
  if (svc.rewrite.is_object()) {
    // GetIstioRewrite: a non-nil rewrite becomes {uri, authority}; `type` is Gateway API's.
    Json rw = Json::object();
    for (const char* k : {"uri", "authority"}) {
      if (svc.rewrite.contains(k) && svc.rewrite[k].is_string() && !svc.rewrite[k].get<std::string>().empty()) {
        rw[k] = svc.rewrite[k];
      }
    }
    r["rewrite"] = rw;
  }
  if (!svc.timeout.empty()) r["timeout"] = svc.timeout;
  if (svc.retries) {
    Json rt = {{"attempts", svc.retries->attempts.value_or(0)}};
    if (!svc.retries->perTryTimeout.empty()) rt["perTryTimeout"] = svc.retries->perTryTimeout;
    if (!svc.retries->retryOn.empty()) rt["retryOn"] = svc.retries->retryOn;
    r["retries"] = rt;
  }
  if (!svc.corsPolicy.is_null()) r["corsPolicy"] = svc.corsPolicy;
  if (!svc.headers.is_null()) r["headers"] = svc.headers;
  return r;
}

Json abRoutes(const api::Canary& canary, int primary, int canaryWeight) {
  const auto names = serviceNames(canary);
  const Json serviceMatch = matches(canary.spec.service.match);
  Json ab = commonRoute(canary, mergeMatches(matches(canary.spec.analysis->match), serviceMatch));
  ab["route"] = Json::array({destination(canary, names.primary, primary), destination(canary, names.canary, canaryWeight)});
  Json fallback = commonRoute(canary, serviceMatch);
  fallback["route"] = Json::array({destination(canary, names.primary, primary)});
  return Json::array({ab, fallback});
}

Json tcpRoute(const api::Canary& canary, int primary, int canaryWeight) {
  const auto names = serviceNames(canary);
  Json tcp = {{"route", Json::array({destination(canary, names.primary, primary),
                                     destination(canary, names.canary, canaryWeight)})}};
  Json l4 = Json::array();
  for (const auto& m : canary.spec.service.match) l4.push_back(m.port && *m.port ? Json{{"port", *m.port}} : Json::object());
  if (!l4.empty()) tcp["match"] = l4;
  return tcp;
}

std::optional<Error> delegationError(const api::Canary& canary) {
  const auto& svc = canary.spec.service;
  if (!svc.delegation || (svc.hosts.empty() && svc.gateways.empty())) return std::nullopt;
  return makeError(ErrorCode::Invalid,
                   "VirtualService " + serviceNames(canary).apex + "." + canary.metadata.namespace_ +
                       " cannot have hosts and gateways when delegation enabled",
                   "spec.service.delegation");
}

}  // namespace detail

namespace {

Json ownerReferences(const api::Canary& canary) {
  return Json::array({{{"apiVersion", api::kApiVersion},
                       {"kind", "Canary"},
                       {"name", canary.metadata.name},
                       {"uid", canary.metadata.uid},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

Json objectMeta(const api::Canary& canary, const std::string& name, const ObjectOptions& options) {
  Json meta = {{"name", name}, {"namespace", canary.metadata.namespace_}};
  if (options.ownerReferences) meta["ownerReferences"] = ownerReferences(canary);
  return meta;
}

}  // namespace

ServiceNames serviceNames(const api::Canary& canary) {
  const std::string apex = canary.serviceName();
  return {apex, apex + "-primary", apex + "-canary"};
}

Status checkCanary(const api::Canary& canary) {
  ErrorList problems;
  if (auto e = detail::delegationError(canary)) problems.push_back(*e);
  const auto& analysis = canary.spec.analysis;
  if (analysis && analysis->sessionAffinity &&
      analysis->sessionAffinity->cookieName == analysis->sessionAffinity->primaryCookieName) {
    problems.push_back(makeError(ErrorCode::Invalid,
                                 "expected primaryCookieName different from cookieName, found both \"" +
                                     analysis->sessionAffinity->cookieName + "\"",
                                 "spec.analysis.sessionAffinity.primaryCookieName"));
  }
  if (problems.empty()) return okStatus();
  Error e = problems.front();
  for (size_t i = 1; i < problems.size(); ++i) e.message += "; " + problems[i].path + ": " + problems[i].message;
  return e;
}

Json destinationRule(const api::Canary& canary, const std::string& host, const ObjectOptions& options) {
  Json spec = {{"host", host}};
  if (!canary.spec.service.trafficPolicy.is_null()) spec["trafficPolicy"] = canary.spec.service.trafficPolicy;
  return {{"apiVersion", kApiVersion},
          {"kind", "DestinationRule"},
          {"metadata", objectMeta(canary, host, options)},
          {"spec", spec}};
}

Result<Json> virtualServiceSpec(const api::Canary& canary) {
  if (auto e = detail::delegationError(canary)) return *e;
  const auto& svc = canary.spec.service;
  const auto names = serviceNames(canary);
  Json spec = Json::object();
  if (svc.delegation) {
    spec["hosts"] = Json::array();  // a delegate VirtualService has neither hosts nor gateways
  } else {
    Json hosts = svc.hosts;
    if (std::none_of(svc.hosts.begin(), svc.hosts.end(),
                     [&](const std::string& h) { return h == names.apex || h == "*"; })) {
      hosts.push_back(names.apex);
    }
    spec["hosts"] = hosts;
    // "mesh" only when no gateway is listed: listing gateways opts in-mesh callers out unless
    // "mesh" is listed too (Flagger's behaviour, kept so that switching is seamless).
    spec["gateways"] = svc.gateways.empty() ? Json::array({"mesh"}) : Json(svc.gateways);
  }
  const Json route0 = Json::array({detail::destination(canary, names.primary, 100),
                                   detail::destination(canary, names.canary, 0)});
  if (detail::isTcp(canary)) {
    spec["tcp"] = Json::array({detail::tcpRoute(canary, 100, 0)});
    return spec;
  }
  if (detail::isAb(canary)) {
    spec["http"] = detail::abRoutes(canary, 100, 0);
    return spec;
  }
  Json route = detail::commonRoute(canary, detail::matches(svc.match));
  route["route"] = route0;
  spec["http"] = Json::array({route});
  return spec;
}

Json virtualServiceMetadata(const api::Canary& canary) {
  Json labels = Json::object();
  Json annotations = Json::object();
  if (const auto& apex = canary.spec.service.apex) {
    for (const auto& [k, v] : apex->labels) labels[k] = v;
    for (const auto& [k, v] : apex->annotations) annotations[k] = v;
  }
  // Stops Flux from reverting an object Flagger (and Aviary) manage.
  annotations["kustomize.toolkit.fluxcd.io/reconcile"] = "disabled";
  annotations["helm.toolkit.fluxcd.io/driftDetection"] = "disabled";
  return {{"labels", labels}, {"annotations", annotations}};
}

Result<Json> virtualService(const api::Canary& canary, const ObjectOptions& options) {
  auto spec = virtualServiceSpec(canary);
  if (!spec.ok()) return spec.error();
  const auto names = serviceNames(canary);
  Json meta = objectMeta(canary, names.apex, options);
  const Json md = virtualServiceMetadata(canary);
  if (!md["labels"].empty()) meta["labels"] = md["labels"];
  meta["annotations"] = md["annotations"];
  return Json{{"apiVersion", kApiVersion}, {"kind", "VirtualService"}, {"metadata", meta}, {"spec", *spec}};
}

}  // namespace aviary::router::istio
