// Canary spec/status decoding with Flagger's defaults (flagger-scheduler.md §1.1).
#include "api/decode_parts.h"
#include "api/validate_util.h"

namespace aviary::api::detail {
namespace {

constexpr int64_t kInt32Max = INT32_MAX;

void decodeRef(ObjectReader& ref, CrossNamespaceObjectReference& out, bool allKeysRequired, bool withNamespace) {
  ref.str("apiVersion", out.apiVersion, allKeysRequired);
  ref.str("kind", out.kind, allKeysRequired);
  ref.str("name", out.name, true);
  if (withNamespace) ref.str("namespace", out.namespace_);
}

std::optional<CrossNamespaceObjectReference> optionalRef(ObjectReader& parent, std::string_view name,
                                                         bool withNamespace) {
  auto r = parent.child(name);
  if (!r.isObject()) return std::nullopt;
  CrossNamespaceObjectReference out;
  decodeRef(r, out, false, withNamespace);
  return out;
}

void decodeAutoscaler(ObjectReader& a, AutoscalerRef& out) {
  a.str("apiVersion", out.apiVersion, true);
  a.oneOf("kind", out.kind, {"HorizontalPodAutoscaler", "ScaledObject"}, true);
  a.str("name", out.name, true);
  a.stringMap("primaryScalerQueries", out.primaryScalerQueries);
  auto r = a.child("primaryScalerReplicas");
  if (r.isObject()) {
    ScalerReplicas rep;
    r.int32("minReplicas", rep.minReplicas, 1, kInt32Max);
    r.int32("maxReplicas", rep.maxReplicas, 1, kInt32Max);
    out.primaryScalerReplicas = rep;
  }
}

std::optional<ServiceMetadata> serviceMeta(ObjectReader& svc, std::string_view name) {
  auto m = svc.child(name);
  if (!m.isObject()) return std::nullopt;
  ServiceMetadata out;
  m.stringMap("labels", out.labels);
  m.stringMap("annotations", out.annotations);
  return out;
}

void decodeSessionAffinity(ObjectReader& s, SessionAffinity& out) {
  s.str("cookieName", out.cookieName, true);
  s.str("primaryCookieName", out.primaryCookieName);
  s.int32("maxAge", out.maxAge, INT32_MIN, kInt32Max);  // ranges: validate_ranges.cpp
  s.str("domain", out.domain);
  s.boolean("httpOnly", out.httpOnly);
  s.boolean("partitioned", out.partitioned);
  s.str("path", out.path);
  s.oneOf("sameSite", out.sameSite, {"Strict", "Lax", "None"});
  s.boolean("secure", out.secure);
}

void decodeMetric(ObjectReader& m, CanaryMetric& out) {
  m.str("name", out.name, true);
  std::optional<Duration> interval;
  if (m.duration("interval", out.intervalText, &interval)) out.interval = interval;
  m.number("threshold", out.threshold);
  auto range = m.child("thresholdRange");
  if (range.isObject()) {
    ThresholdRange r;
    range.number("min", r.min);
    range.number("max", r.max);
    out.thresholdRange = r;
  }
  m.str("query", out.query);
  auto ref = m.child("templateRef");
  if (ref.isObject()) {
    CrossNamespaceObjectReference r;
    ref.str("name", r.name, true);
    ref.str("namespace", r.namespace_);
    out.templateRef = r;
  }
  m.stringMap("templateVariables", out.templateVariables);
}

void decodeWebhook(ObjectReader& w, CanaryWebhook& out) {
  w.str("name", out.name, true);
  if (w.oneOf("type", out.typeText,
              {"", "rollout", "pre-rollout", "post-rollout", "confirm-rollout", "confirm-promotion",
               "confirm-traffic-increase", "rollback", "event"})) {
    out.type = parseHookType(out.typeText).value_or(HookType::Rollout);
  }
  w.str("url", out.url, true);
  w.duration("timeout", out.timeout);
  w.stringMap("metadata", out.metadata);
  w.boolean("muteAlert", out.muteAlert);
  w.int32("retries", out.retries, INT32_MIN, kInt32Max);  // ranges: validate_ranges.cpp
  w.boolean("disableTLS", out.disableTLS);
}

void decodeAlert(ObjectReader& a, CanaryAlert& out) {
  a.str("name", out.name, true);
  a.oneOf("severity", out.severity, {"", "info", "warn", "error"});
  a.require("providerRef");
  auto ref = a.child("providerRef");
  if (ref.isObject()) {
    ref.str("name", out.providerRef.name, true);
    ref.str("namespace", out.providerRef.namespace_);
  }
}

template <typename T, typename Fn>
void decodeList(ObjectReader& parent, std::string_view name, std::vector<T>& out, Fn fn) {
  auto items = parent.list(name);
  std::string base = parent.fieldPath(name);
  for (size_t i = 0; i < items.size(); ++i) {
    ObjectReader item(parent.sink(), items[i], indexPath(base, i), lineCol(items[i]));
    T value;
    if (item.isObject()) {
      fn(item, value);
    } else if (!item.present()) {
      parent.sink().error(parent.sink().pos(items[i]), indexPath(base, i), "expected an object, found null");
    }
    out.push_back(std::move(value));
  }
}

}  // namespace

void decodeMeta(ObjectReader& meta, ObjectMeta& out) {
  meta.str("name", out.name, true);
  meta.str("namespace", out.namespace_);
  meta.stringMap("labels", out.labels);
  meta.stringMap("annotations", out.annotations);
  meta.str("resourceVersion", out.resourceVersion);
  std::optional<int32_t> generation;
  if (meta.int32("generation", generation, 0, kInt32Max)) out.generation = *generation;
  meta.str("uid", out.uid);
  meta.stringList("finalizers", out.finalizers);
  meta.str("deletionTimestamp", out.deletionTimestamp);
  // Server-populated Kubernetes metadata (e.g. from `kubectl get -o yaml`): accepted, not kept.
  for (const char* ignored : {"creationTimestamp", "deletionGracePeriodSeconds",
                              "generateName", "managedFields", "ownerReferences", "selfLink"}) {
    Json discard;
    meta.json(ignored, discard);
  }
}

void decodeCanarySpec(ObjectReader& spec, CanarySpec& out) {
  spec.oneOf("provider", out.provider, kMeshProviders);
  spec.str("metricsServer", out.metricsServer);
  spec.require("targetRef");
  {
    auto t = spec.child("targetRef");
    if (t.isObject()) {
      t.str("apiVersion", out.targetRef.apiVersion, true);
      t.oneOf("kind", out.targetRef.kind, {"DaemonSet", "Deployment", "Service", "Workload"}, true);
      t.str("name", out.targetRef.name, true);
    }
  }
  {
    auto a = spec.child("autoscalerRef");
    if (a.isObject()) {
      AutoscalerRef ref;
      decodeAutoscaler(a, ref);
      out.autoscalerRef = ref;
    }
  }
  out.ingressRef = optionalRef(spec, "ingressRef", false);
  out.routeRef = optionalRef(spec, "routeRef", false);
  out.upstreamRef = optionalRef(spec, "upstreamRef", true);
  spec.require("service");
  {
    auto s = spec.child("service");
    if (s.isObject()) decodeService(s, out.service);
  }
  {
    auto a = spec.child("analysis");
    auto legacy = spec.child("canaryAnalysis");
    if (a.isObject()) {
      CanaryAnalysis analysis;
      decodeAnalysis(a, analysis);
      out.analysis = std::move(analysis);
    }
    if (legacy.isObject()) {
      CanaryAnalysis analysis;
      decodeAnalysis(legacy, analysis);
      if (!out.analysis) {
        out.analysis = std::move(analysis);
        out.analysisFromDeprecatedField = true;
        spec.sink().warn(spec.keyPos("canaryAnalysis"), spec.fieldPath("canaryAnalysis"),
                         "deprecated, rename it to analysis");
      } else {
        spec.sink().warn(spec.keyPos("canaryAnalysis"), spec.fieldPath("canaryAnalysis"),
                         "ignored because analysis is also set (deprecated field), remove it");
      }
    }
  }
  spec.int32("progressDeadlineSeconds", out.progressDeadlineSecondsRaw, 1, kInt32Max);
  out.progressDeadlineSeconds = out.progressDeadlineSecondsRaw.value_or(600);
  spec.boolean("skipAnalysis", out.skipAnalysis);
  spec.boolean("revertOnDeletion", out.revertOnDeletion);
  spec.boolean("suspend", out.suspend);
}

void decodeService(ObjectReader& s, CanaryService& out) {
  s.str("name", out.name);
  s.int32("port", out.port, 1, 65535, true);
  s.str("portName", out.portName);
  if (s.json("targetPort", out.targetPort)) {
    if (out.targetPort.is_number_integer()) {
      auto p = out.targetPort.get<int64_t>();
      if (p < 1 || p > 65535)
        s.sink().error(s.sink().pos(s.field("targetPort")), s.fieldPath("targetPort"),
                       "must be between 1 and 65535, found " + std::to_string(p));
    } else if (!out.targetPort.is_string() || out.targetPort.get<std::string>().empty()) {
      s.sink().error(s.sink().pos(s.field("targetPort")), s.fieldPath("targetPort"),
                     "expected a port number or a port name, found " + describe(s.field("targetPort")));
    }
  }
  s.str("appProtocol", out.appProtocol);
  s.oneOf("trafficDistribution", out.trafficDistribution, {"PreferClose", "PreferSameZone", "PreferSameNode"});
  s.boolean("portDiscovery", out.portDiscovery);
  s.boolean("headless", out.headless);
  s.duration("timeout", out.timeout);
  s.duration("backendTimeout", out.backendTimeout);
  s.stringList("gateways", out.gateways);
  s.json("gatewayRefs", out.gatewayRefs);
  s.stringList("hosts", out.hosts);
  s.boolean("delegation", out.delegation);
  s.json("trafficPolicy", out.trafficPolicy);
  decodeMatches(s, "match", out.match);
  s.json("rewrite", out.rewrite);
  {
    auto r = s.child("retries");
    if (r.isObject()) {
      HttpRetry retry;
      r.int32("attempts", retry.attempts, 0, kInt32Max);
      r.duration("perTryTimeout", retry.perTryTimeout);
      r.str("retryOn", retry.retryOn);
      out.retries = retry;
    }
  }
  s.json("headers", out.headers);
  s.json("mirror", out.mirror);
  s.json("corsPolicy", out.corsPolicy);
  s.str("meshName", out.meshName);
  s.stringList("backends", out.backends);
  out.apex = serviceMeta(s, "apex");
  out.primary = serviceMeta(s, "primary");
  out.canary = serviceMeta(s, "canary");
  {
    auto u = s.child("unmanagedMetadata");
    if (u.isObject()) {
      std::vector<std::string> labels, annotations;
      u.stringList("labels", labels);
      u.stringList("annotations", annotations);
      out.unmanagedMetadata = Json::object();
      if (!labels.empty()) out.unmanagedMetadata["labels"] = labels;
      if (!annotations.empty()) out.unmanagedMetadata["annotations"] = annotations;
    }
  }
}

void decodeAnalysis(ObjectReader& a, CanaryAnalysis& out) {
  // Flagger: unparsable/empty -> 60s, below 10s -> 10s (§1.1.3). A text that Flagger's CRD pattern
  // accepts but that is not a Go duration ("5sx") runs at 60s there: kept, validation warns. Any
  // other text is an error (the CRD rejects it).
  if (a.str("interval", out.intervalText)) {
    auto d = parseDuration(out.intervalText);
    if (d.ok() && d.value().count() >= 0) {
      out.interval = d.value() < Duration{10000} ? Duration{10000} : d.value();
    } else if (!matchesCrdDuration(out.intervalText)) {
      a.sink().error(a.sink().pos(a.field("interval")), a.fieldPath("interval"),
                     (d.ok() ? "must not be negative, found " : "expected a Go duration such as 30s, 1m or 1m30s, found ") +
                         quoteValue(out.intervalText));
    }
  }
  // Flagger's CRD gives these numbers no bounds; which values are errors and which warnings is
  // decided in validate_ranges.cpp (docs/validate.md, "Which side of the line").
  a.int32("threshold", out.thresholdRaw, INT32_MIN, kInt32Max);
  out.threshold = out.thresholdRaw && *out.thresholdRaw > 0 ? *out.thresholdRaw : 1;  // Flagger: <= 0 -> 1
  a.int32("maxWeight", out.maxWeight, INT32_MIN, kInt32Max);
  a.int32("stepWeight", out.stepWeight, INT32_MIN, kInt32Max);
  a.intList("stepWeights", out.stepWeights, INT32_MIN, kInt32Max);
  a.int32("stepWeightPromotion", out.stepWeightPromotion, INT32_MIN, kInt32Max);
  a.int32("iterations", out.iterations, INT32_MIN, kInt32Max);
  decodeMatches(a, "match", out.match);
  a.boolean("mirror", out.mirror);
  a.int32("mirrorWeight", out.mirrorWeight, 0, 100);
  a.int32("primaryReadyThreshold", out.primaryReadyThreshold, INT32_MIN, kInt32Max);
  a.int32("canaryReadyThreshold", out.canaryReadyThreshold, INT32_MIN, kInt32Max);
  {
    auto s = a.child("sessionAffinity");
    if (s.isObject()) {
      SessionAffinity sa;
      decodeSessionAffinity(s, sa);
      out.sessionAffinity = sa;
    }
  }
  decodeList(a, "metrics", out.metrics, decodeMetric);
  decodeList(a, "webhooks", out.webhooks, decodeWebhook);
  decodeList(a, "alerts", out.alerts, decodeAlert);
}

void decodeCanaryStatus(ObjectReader& s, CanaryStatus& out) {
  std::string phase;
  if (s.oneOf("phase", phase,
              {"", "Initializing", "Initialized", "Waiting", "Progressing", "WaitingPromotion", "Promoting",
               "Finalising", "Succeeded", "Failed", "Terminating", "Terminated"})) {
    out.phase = parsePhase(phase).value_or(Phase::None);
  }
  s.int32("failedChecks", out.failedChecks, INT32_MIN, kInt32Max);
  s.int32("canaryWeight", out.canaryWeight, INT32_MIN, kInt32Max);
  s.int32("iterations", out.iterations, INT32_MIN, kInt32Max);
  s.str("sessionAffinityCookie", out.sessionAffinityCookie);
  s.str("primarySessionAffinityCookie", out.primarySessionAffinityCookie);
  s.str("previousSessionAffinityCookie", out.previousSessionAffinityCookie);
  s.stringMap("trackedConfigs", out.trackedConfigs);
  s.str("lastAppliedSpec", out.lastAppliedSpec);
  s.str("lastPromotedSpec", out.lastPromotedSpec);
  s.str("lastTransitionTime", out.lastTransitionTime);
  decodeList(s, "conditions", out.conditions, [](ObjectReader& c, Condition& cond) {
    c.str("type", cond.type);
    c.oneOf("status", cond.status, {"True", "False", "Unknown"});
    c.str("lastUpdateTime", cond.lastUpdateTime);
    c.str("lastTransitionTime", cond.lastTransitionTime);
    c.str("reason", cond.reason);
    c.str("message", cond.message);
  });
}

void decodeMetricTemplateSpec(ObjectReader& spec, MetricTemplate& out) {
  spec.require("provider");
  auto p = spec.child("provider");
  if (p.isObject()) {
    p.oneOf("type", out.provider.type,
            {"prometheus", "influxdb", "datadog", "externalmetrics", "stackdriver", "cloudwatch", "newrelic",
             "graphite", "dynatrace", "keptn", "splunk"},
            true);
    p.str("address", out.provider.address);
    Json h;
    if (p.json("headers", h)) {
      // A map of header name -> list of values (Go's http.Header).
      auto at = p.sink().pos(p.field("headers"));
      if (!h.is_object()) {
        p.sink().error(at, p.fieldPath("headers"), "expected a map of header name to a list of strings");
        h = Json::object();
      }
      for (auto& [k, v] : h.items()) {
        std::vector<std::string> values;
        bool ok = v.is_array();
        for (auto& x : v) ok = ok && x.is_string();
        if (!ok) {
          p.sink().error(at, p.fieldPath("headers") + "." + k, "expected a list of strings, found " + v.dump());
          continue;
        }
        for (auto& x : v) values.push_back(x.get<std::string>());
        out.provider.headers[k] = std::move(values);
      }
    }
    auto secret = p.child("secretRef");
    if (secret.isObject()) secret.str("name", out.provider.secretRefName, true);
    p.str("region", out.provider.region);
    p.boolean("insecureSkipVerify", out.provider.insecureSkipVerify);
  }
  spec.str("query", out.query, true);
}

void decodeAlertProviderSpec(ObjectReader& spec, AlertProvider& out) {
  spec.oneOf("type", out.type, {"slack", "msteams", "discord", "rocket", "gchat"}, true);
  spec.str("channel", out.channel);
  spec.str("username", out.username);
  spec.str("address", out.address);
  spec.str("proxy", out.proxy);
  auto secret = spec.child("secretRef");
  if (secret.isObject()) secret.str("name", out.secretRefName, true);
  if (out.channel.empty()) out.channel = "general";
  if (out.username.empty()) out.username = "flagger";
}

}  // namespace aviary::api::detail
