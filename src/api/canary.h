#pragma once
// The flagger.app/v1beta1 resource model: Canary, MetricTemplate, AlertProvider.
// Plain value types, no behaviour. Decoding (YAML/JSON with positions), defaults, encoding and
// validation live in api/decode.h, api/encode.h and api/validate.h.
//
// Field names follow Flagger's JSON names in camelCase. Optional scalars whose absence matters
// (for defaults or for a faithful re-encode) are std::optional. Istio-shaped sub-objects that
// Aviary passes through or interprets elsewhere (trafficPolicy, corsPolicy, headers, rewrite,
// Gateway API refs, ...) are kept as JSON values so that nothing the user wrote is lost.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/result.h"
#include "yaml/positions.h"

namespace aviary::api {

using Json = nlohmann::json;

// LineCol and FieldPositions come from the YAML reader (yaml/positions.h).
using yaml::FieldPositions;
using yaml::LineCol;

inline constexpr const char* kApiVersion = "flagger.app/v1beta1";

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // JSON "namespace"; empty in a file means "default" when applied
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string resourceVersion;
  int64_t generation = 0;
  std::string uid;
  // Kept because the runtime acts on them (revertOnDeletion, flagger-scheduler.md §2.5): a
  // deletion is pending while `deletionTimestamp` (RFC 3339) is set and finalizers remain.
  std::vector<std::string> finalizers;
  std::string deletionTimestamp;
};

struct CrossNamespaceObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string namespace_;  // only for upstreamRef / templateRef / providerRef style refs
};

struct ScalerReplicas {
  std::optional<int32_t> minReplicas;
  std::optional<int32_t> maxReplicas;
};

struct AutoscalerRef {
  std::string apiVersion;  // autoscaling/v2 | autoscaling/v2beta2 | keda.sh/v1alpha1
  std::string kind;        // HorizontalPodAutoscaler | ScaledObject
  std::string name;
  std::map<std::string, std::string> primaryScalerQueries;
  std::optional<ScalerReplicas> primaryScalerReplicas;
};

// An Istio HTTPMatchRequest-style string match: exactly one of exact/prefix/suffix/regex is set.
struct StringMatch {
  std::string exact, prefix, suffix, regex;
};

// Istio HTTPMatchRequest (the subset used for A/B routing, plus passthrough of the rest).
struct HttpMatch {
  std::string name;
  std::optional<StringMatch> uri, scheme, method, authority;
  std::map<std::string, StringMatch> headers;
  std::map<std::string, StringMatch> queryParams;
  std::map<std::string, StringMatch> withoutHeaders;
  std::map<std::string, std::string> sourceLabels;
  std::optional<uint32_t> port;
  std::optional<bool> ignoreUriCase;
  Json extra = Json::object();  // fields not modelled above, kept verbatim
};

struct HttpRetry {
  std::optional<int32_t> attempts;
  std::string perTryTimeout;  // Go duration string, as written
  std::string retryOn;        // comma-separated Envoy retry conditions
};

struct ServiceMetadata {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

struct CanaryService {
  std::string name;
  int32_t port = 0;
  std::string portName;      // default "http"
  Json targetPort;           // int or string; null = same as port
  std::string appProtocol;
  std::string trafficDistribution;
  bool portDiscovery = false;
  bool headless = false;
  std::string timeout;
  std::string backendTimeout;
  std::vector<std::string> gateways;
  Json gatewayRefs;          // Gateway API ParentReferences, verbatim
  std::vector<std::string> hosts;
  bool delegation = false;
  Json trafficPolicy;        // Istio TrafficPolicy, verbatim
  std::vector<HttpMatch> match;
  Json rewrite;
  std::optional<HttpRetry> retries;
  Json headers;              // Istio Headers, verbatim
  Json mirror;               // Gateway API mirror filters, verbatim
  Json corsPolicy;
  std::string meshName;
  std::vector<std::string> backends;
  std::optional<ServiceMetadata> apex, primary, canary;
  Json unmanagedMetadata;
};

struct ThresholdRange {
  std::optional<double> min;
  std::optional<double> max;
};

struct CanaryMetric {
  std::string name;
  std::optional<Duration> interval;     // as written; builtins/in-line default to 1m at use
  std::string intervalText;             // the original string (used in query templating)
  std::optional<double> threshold;      // deprecated
  std::optional<ThresholdRange> thresholdRange;
  std::string query;                    // deprecated in-line PromQL
  std::optional<CrossNamespaceObjectReference> templateRef;  // name + namespace
  std::map<std::string, std::string> templateVariables;
};

enum class HookType {
  Rollout,                 // "" or "rollout"
  PreRollout,              // "pre-rollout"
  PostRollout,             // "post-rollout"
  ConfirmRollout,          // "confirm-rollout"
  ConfirmPromotion,        // "confirm-promotion"
  ConfirmTrafficIncrease,  // "confirm-traffic-increase"
  Rollback,                // "rollback"
  Event,                   // "event"
};
const char* toString(HookType t);
std::optional<HookType> parseHookType(const std::string& s);

struct CanaryWebhook {
  std::string name;
  HookType type = HookType::Rollout;
  std::string typeText;  // as written ("" allowed)
  std::string url;
  std::string timeout;   // Go duration string as written; "" = default 10s
  std::map<std::string, std::string> metadata;
  bool muteAlert = false;
  int32_t retries = 0;
  bool disableTLS = false;
};

struct CanaryAlert {
  std::string name;
  std::string severity;  // "" | info | warn | error
  CrossNamespaceObjectReference providerRef;
};

struct SessionAffinity {
  std::string cookieName;
  std::string primaryCookieName;
  int32_t maxAge = 0;  // seconds; 0 = 86400
  std::string domain;
  bool httpOnly = false;
  bool partitioned = false;
  std::string path;
  std::string sameSite;
  bool secure = false;
};

struct CanaryAnalysis {
  std::string intervalText;          // as written
  Duration interval{60000};          // effective: default 60s, clamped to >= 10s
  int32_t threshold = 1;             // effective: <= 0 -> 1
  std::optional<int32_t> thresholdRaw;
  std::optional<int32_t> maxWeight;
  std::optional<int32_t> stepWeight;
  std::vector<int32_t> stepWeights;
  std::optional<int32_t> stepWeightPromotion;
  std::optional<int32_t> iterations;
  std::vector<HttpMatch> match;
  bool mirror = false;
  std::optional<int32_t> mirrorWeight;
  std::optional<int32_t> primaryReadyThreshold;  // default 100
  std::optional<int32_t> canaryReadyThreshold;   // default 100
  std::optional<SessionAffinity> sessionAffinity;
  std::vector<CanaryMetric> metrics;
  std::vector<CanaryWebhook> webhooks;
  std::vector<CanaryAlert> alerts;
};

struct CanarySpec {
  std::string provider;
  std::string metricsServer;
  CrossNamespaceObjectReference targetRef;
  std::optional<AutoscalerRef> autoscalerRef;
  std::optional<CrossNamespaceObjectReference> ingressRef, routeRef, upstreamRef;
  CanaryService service;
  std::optional<CanaryAnalysis> analysis;  // nil + no canaryAnalysis => skip analysis
  bool analysisFromDeprecatedField = false;  // decoded from `canaryAnalysis`
  int32_t progressDeadlineSeconds = 600;
  std::optional<int32_t> progressDeadlineSecondsRaw;
  bool skipAnalysis = false;
  bool revertOnDeletion = false;
  bool suspend = false;
};

enum class Phase {
  None,              // ""
  Initializing,
  Initialized,
  Waiting,
  Progressing,
  WaitingPromotion,
  Promoting,
  Finalising,
  Succeeded,
  Failed,
  Terminating,
  Terminated,
};
const char* toString(Phase p);
std::optional<Phase> parsePhase(const std::string& s);

struct Condition {
  std::string type = "Promoted";
  std::string status;  // True | False | Unknown
  std::string lastUpdateTime;      // RFC3339
  std::string lastTransitionTime;  // RFC3339
  std::string reason;
  std::string message;
  bool operator==(const Condition&) const = default;
};

struct CanaryStatus {
  Phase phase = Phase::None;
  int32_t failedChecks = 0;
  int32_t canaryWeight = 0;
  int32_t iterations = 0;
  std::string sessionAffinityCookie;
  std::string primarySessionAffinityCookie;
  std::string previousSessionAffinityCookie;
  std::map<std::string, std::string> trackedConfigs;
  std::string lastAppliedSpec;
  std::string lastPromotedSpec;
  std::string lastTransitionTime;  // RFC3339
  std::vector<Condition> conditions;
  bool operator==(const CanaryStatus&) const = default;
};

struct Canary {
  std::string apiVersion = kApiVersion;
  std::string kind = "Canary";
  ObjectMeta metadata;
  CanarySpec spec;
  CanaryStatus status;
  SourcePos pos;  // where the document started (for messages); not encoded
  FieldPositions positions;  // see FieldPositions; not encoded

  // The apex service name: spec.service.name, else spec.targetRef.name.
  std::string serviceName() const { return spec.service.name.empty() ? spec.targetRef.name : spec.service.name; }
  // "name.namespace", as used in event messages.
  std::string key() const { return metadata.name + "." + metadata.namespace_; }
  bool skipAnalysis() const { return spec.skipAnalysis || !spec.analysis.has_value(); }
};

struct MetricTemplateProvider {
  std::string type;  // prometheus | influxdb | datadog | ...
  std::string address;
  std::map<std::string, std::vector<std::string>> headers;
  std::string secretRefName;
  std::string region;
  bool insecureSkipVerify = false;
};

struct MetricTemplate {
  std::string apiVersion = kApiVersion;
  std::string kind = "MetricTemplate";
  ObjectMeta metadata;
  MetricTemplateProvider provider;
  std::string query;
  SourcePos pos;
  FieldPositions positions;
};

struct AlertProvider {
  std::string apiVersion = kApiVersion;
  std::string kind = "AlertProvider";
  ObjectMeta metadata;
  std::string type;      // slack | msteams | discord | rocket | gchat
  std::string channel;   // default "general"
  std::string username;  // default "flagger"
  std::string address;
  std::string proxy;
  std::string secretRefName;
  SourcePos pos;
  FieldPositions positions;
};

}  // namespace aviary::api
