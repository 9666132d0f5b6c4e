#include "api/encode.h"

namespace aviary::api {
namespace {

void putStr(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
template <typename T>
void putOpt(Json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
void putTrue(Json& j, const char* key, bool v) {
  if (v) j[key] = true;
}
template <typename M>
void putMap(Json& j, const char* key, const M& m) {
  if (!m.empty()) j[key] = m;
}
void putJson(Json& j, const char* key, const Json& v) {
  if (!v.is_null()) j[key] = v;
}

Json meta(const ObjectMeta& m) {
  Json j = Json::object();
  putStr(j, "name", m.name);
  putStr(j, "namespace", m.namespace_);
  putMap(j, "labels", m.labels);
  putMap(j, "annotations", m.annotations);
  putStr(j, "resourceVersion", m.resourceVersion);
  if (m.generation != 0) j["generation"] = m.generation;
  putStr(j, "uid", m.uid);
  if (!m.finalizers.empty()) j["finalizers"] = m.finalizers;
  putStr(j, "deletionTimestamp", m.deletionTimestamp);
  return j;
}

Json ref(const CrossNamespaceObjectReference& r) {
  Json j = Json::object();
  putStr(j, "apiVersion", r.apiVersion);
  putStr(j, "kind", r.kind);
  putStr(j, "name", r.name);
  putStr(j, "namespace", r.namespace_);
  return j;
}

Json stringMatch(const StringMatch& m) {
  Json j = Json::object();
  putStr(j, "exact", m.exact);
  putStr(j, "prefix", m.prefix);
  putStr(j, "suffix", m.suffix);
  putStr(j, "regex", m.regex);
  return j;
}

Json stringMatchMap(const std::map<std::string, StringMatch>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = stringMatch(v);
  return j;
}

Json serviceMeta(const ServiceMetadata& m) {
  Json j = Json::object();
  putMap(j, "labels", m.labels);
  putMap(j, "annotations", m.annotations);
  return j;
}

Json matches(const std::vector<HttpMatch>& v) {
  Json j = Json::array();
  for (const auto& m : v) j.push_back(encode(m));
  return j;
}

Json service(const CanaryService& s) {
  Json j = Json::object();
  putStr(j, "name", s.name);
  j["port"] = s.port;
  putStr(j, "portName", s.portName);
  putJson(j, "targetPort", s.targetPort);
  putStr(j, "appProtocol", s.appProtocol);
  putStr(j, "trafficDistribution", s.trafficDistribution);
  putTrue(j, "portDiscovery", s.portDiscovery);
  putTrue(j, "headless", s.headless);
  putStr(j, "timeout", s.timeout);
  putStr(j, "backendTimeout", s.backendTimeout);
  putMap(j, "gateways", s.gateways);
  putJson(j, "gatewayRefs", s.gatewayRefs);
  putMap(j, "hosts", s.hosts);
  putTrue(j, "delegation", s.delegation);
  putJson(j, "trafficPolicy", s.trafficPolicy);
  if (!s.match.empty()) j["match"] = matches(s.match);
  putJson(j, "rewrite", s.rewrite);
  if (s.retries) {
    Json r = Json::object();
    putOpt(r, "attempts", s.retries->attempts);
    putStr(r, "perTryTimeout", s.retries->perTryTimeout);
    putStr(r, "retryOn", s.retries->retryOn);
    j["retries"] = r;
  }
  putJson(j, "headers", s.headers);
  putJson(j, "mirror", s.mirror);
  putJson(j, "corsPolicy", s.corsPolicy);
  putStr(j, "meshName", s.meshName);
  putMap(j, "backends", s.backends);
  if (s.apex) j["apex"] = serviceMeta(*s.apex);
  if (s.primary) j["primary"] = serviceMeta(*s.primary);
  if (s.canary) j["canary"] = serviceMeta(*s.canary);
  putJson(j, "unmanagedMetadata", s.unmanagedMetadata);
  return j;
}

Json status(const CanaryStatus& s) {
  Json j = Json::object();
  j["phase"] = toString(s.phase);
  j["failedChecks"] = s.failedChecks;
  j["canaryWeight"] = s.canaryWeight;
  j["iterations"] = s.iterations;
  putStr(j, "sessionAffinityCookie", s.sessionAffinityCookie);
  putStr(j, "primarySessionAffinityCookie", s.primarySessionAffinityCookie);
  putStr(j, "previousSessionAffinityCookie", s.previousSessionAffinityCookie);
  putMap(j, "trackedConfigs", s.trackedConfigs);
  putStr(j, "lastAppliedSpec", s.lastAppliedSpec);
  putStr(j, "lastPromotedSpec", s.lastPromotedSpec);
  putStr(j, "lastTransitionTime", s.lastTransitionTime);
  if (!s.conditions.empty()) {
    Json conds = Json::array();
    for (const auto& c : s.conditions) {
      Json cj = Json::object();
      putStr(cj, "type", c.type);
      putStr(cj, "status", c.status);
      putStr(cj, "lastUpdateTime", c.lastUpdateTime);
      putStr(cj, "lastTransitionTime", c.lastTransitionTime);
      putStr(cj, "reason", c.reason);
      putStr(cj, "message", c.message);
      conds.push_back(std::move(cj));
    }
    j["conditions"] = std::move(conds);
  }
  return j;
}

bool isDefault(const CanaryStatus& s) {
  return s.phase == Phase::None && s.failedChecks == 0 && s.canaryWeight == 0 && s.iterations == 0 &&
         s.sessionAffinityCookie.empty() && s.primarySessionAffinityCookie.empty() &&
         s.previousSessionAffinityCookie.empty() && s.trackedConfigs.empty() && s.lastAppliedSpec.empty() &&
         s.lastPromotedSpec.empty() && s.lastTransitionTime.empty() && s.conditions.empty();
}

}  // namespace

Json encode(const HttpMatch& m) {
  Json j = m.extra.is_object() ? m.extra : Json::object();
  putStr(j, "name", m.name);
  if (m.uri) j["uri"] = stringMatch(*m.uri);
  if (m.scheme) j["scheme"] = stringMatch(*m.scheme);
  if (m.method) j["method"] = stringMatch(*m.method);
  if (m.authority) j["authority"] = stringMatch(*m.authority);
  if (!m.headers.empty()) j["headers"] = stringMatchMap(m.headers);
  if (!m.queryParams.empty()) j["queryParams"] = stringMatchMap(m.queryParams);
  if (!m.withoutHeaders.empty()) j["withoutHeaders"] = stringMatchMap(m.withoutHeaders);
  putMap(j, "sourceLabels", m.sourceLabels);
  putOpt(j, "port", m.port);
  putOpt(j, "ignoreUriCase", m.ignoreUriCase);
  return j;
}

Json encode(const CanaryAnalysis& a) {
  Json j = Json::object();
  putStr(j, "interval", a.intervalText);
  putOpt(j, "threshold", a.thresholdRaw);
  putOpt(j, "maxWeight", a.maxWeight);
  putOpt(j, "stepWeight", a.stepWeight);
  putMap(j, "stepWeights", a.stepWeights);
  putOpt(j, "stepWeightPromotion", a.stepWeightPromotion);
  putOpt(j, "iterations", a.iterations);
  if (!a.match.empty()) j["match"] = matches(a.match);
  putTrue(j, "mirror", a.mirror);
  putOpt(j, "mirrorWeight", a.mirrorWeight);
  putOpt(j, "primaryReadyThreshold", a.primaryReadyThreshold);
  putOpt(j, "canaryReadyThreshold", a.canaryReadyThreshold);
  if (a.sessionAffinity) {
    const auto& s = *a.sessionAffinity;
    Json sj = Json::object();
    putStr(sj, "cookieName", s.cookieName);
    putStr(sj, "primaryCookieName", s.primaryCookieName);
    if (s.maxAge != 0) sj["maxAge"] = s.maxAge;
    putStr(sj, "domain", s.domain);
    putTrue(sj, "httpOnly", s.httpOnly);
    putTrue(sj, "partitioned", s.partitioned);
    putStr(sj, "path", s.path);
    putStr(sj, "sameSite", s.sameSite);
    putTrue(sj, "secure", s.secure);
    j["sessionAffinity"] = std::move(sj);
  }
  if (!a.metrics.empty()) {
    Json ms = Json::array();
    for (const auto& m : a.metrics) {
      Json mj = Json::object();
      putStr(mj, "name", m.name);
      putStr(mj, "interval", m.intervalText);
      putOpt(mj, "threshold", m.threshold);
      if (m.thresholdRange) {
        Json r = Json::object();
        putOpt(r, "min", m.thresholdRange->min);
        putOpt(r, "max", m.thresholdRange->max);
        mj["thresholdRange"] = std::move(r);
      }
      putStr(mj, "query", m.query);
      if (m.templateRef) mj["templateRef"] = ref(*m.templateRef);
      putMap(mj, "templateVariables", m.templateVariables);
      ms.push_back(std::move(mj));
    }
    j["metrics"] = std::move(ms);
  }
  if (!a.webhooks.empty()) {
    Json ws = Json::array();
    for (const auto& w : a.webhooks) {
      Json wj = Json::object();
      putStr(wj, "name", w.name);
      putStr(wj, "type", w.typeText);
      putStr(wj, "url", w.url);
      putStr(wj, "timeout", w.timeout);
      putMap(wj, "metadata", w.metadata);
      putTrue(wj, "muteAlert", w.muteAlert);
      if (w.retries != 0) wj["retries"] = w.retries;
      putTrue(wj, "disableTLS", w.disableTLS);
      ws.push_back(std::move(wj));
    }
    j["webhooks"] = std::move(ws);
  }
  if (!a.alerts.empty()) {
    Json as = Json::array();
    for (const auto& al : a.alerts) {
      Json aj = Json::object();
      putStr(aj, "name", al.name);
      putStr(aj, "severity", al.severity);
      aj["providerRef"] = ref(al.providerRef);
      as.push_back(std::move(aj));
    }
    j["alerts"] = std::move(as);
  }
  return j;
}

Json encode(const Canary& c) {
  Json j = Json::object();
  j["apiVersion"] = c.apiVersion;
  j["kind"] = c.kind;
  j["metadata"] = meta(c.metadata);
  const auto& s = c.spec;
  Json spec = Json::object();
  putStr(spec, "provider", s.provider);
  putStr(spec, "metricsServer", s.metricsServer);
  spec["targetRef"] = ref(s.targetRef);
  if (s.autoscalerRef) {
    const auto& a = *s.autoscalerRef;
    Json aj = Json::object();
    putStr(aj, "apiVersion", a.apiVersion);
    putStr(aj, "kind", a.kind);
    putStr(aj, "name", a.name);
    putMap(aj, "primaryScalerQueries", a.primaryScalerQueries);
    if (a.primaryScalerReplicas) {
      Json r = Json::object();
      putOpt(r, "minReplicas", a.primaryScalerReplicas->minReplicas);
      putOpt(r, "maxReplicas", a.primaryScalerReplicas->maxReplicas);
      aj["primaryScalerReplicas"] = std::move(r);
    }
    spec["autoscalerRef"] = std::move(aj);
  }
  if (s.ingressRef) spec["ingressRef"] = ref(*s.ingressRef);
  if (s.routeRef) spec["routeRef"] = ref(*s.routeRef);
  if (s.upstreamRef) spec["upstreamRef"] = ref(*s.upstreamRef);
  spec["service"] = service(s.service);
  if (s.analysis) spec[s.analysisFromDeprecatedField ? "canaryAnalysis" : "analysis"] = encode(*s.analysis);
  putOpt(spec, "progressDeadlineSeconds", s.progressDeadlineSecondsRaw);
  putTrue(spec, "skipAnalysis", s.skipAnalysis);
  putTrue(spec, "revertOnDeletion", s.revertOnDeletion);
  putTrue(spec, "suspend", s.suspend);
  j["spec"] = std::move(spec);
  if (!isDefault(c.status)) j["status"] = status(c.status);
  return j;
}

Json encode(const MetricTemplate& t) {
  Json j = Json::object();
  j["apiVersion"] = t.apiVersion;
  j["kind"] = t.kind;
  j["metadata"] = meta(t.metadata);
  Json p = Json::object();
  putStr(p, "type", t.provider.type);
  putStr(p, "address", t.provider.address);
  putMap(p, "headers", t.provider.headers);
  if (!t.provider.secretRefName.empty()) p["secretRef"] = Json{{"name", t.provider.secretRefName}};
  putStr(p, "region", t.provider.region);
  putTrue(p, "insecureSkipVerify", t.provider.insecureSkipVerify);
  j["spec"] = Json{{"provider", p}, {"query", t.query}};
  return j;
}

Json encode(const AlertProvider& a) {
  Json j = Json::object();
  j["apiVersion"] = a.apiVersion;
  j["kind"] = a.kind;
  j["metadata"] = meta(a.metadata);
  Json spec = Json::object();
  putStr(spec, "type", a.type);
  putStr(spec, "channel", a.channel);
  putStr(spec, "username", a.username);
  putStr(spec, "address", a.address);
  putStr(spec, "proxy", a.proxy);
  if (!a.secretRefName.empty()) spec["secretRef"] = Json{{"name", a.secretRefName}};
  j["spec"] = std::move(spec);
  return j;
}

}  // namespace aviary::api
