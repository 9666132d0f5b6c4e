#pragma once
// Internal to aviary_api: per-resource decoders used by decode.cpp. Each reads one object with an
// ObjectReader, applies Flagger's defaults and reports structural problems to the reader's sink.
#include "api/canary.h"
#include "api/decode.h"
#include "yaml/reader.h"
#include "api/workload.h"
#include "api/hpa.h"

namespace aviary::api::detail {

// The shared YAML reader (yaml/reader.h): ObjectReader, Sink, Node and the scalar helpers.
using namespace aviary::yaml;

// Decodes one document (a Canary, MetricTemplate, AlertProvider, v1 List of them, or another
// kind) into `out`, positions taken from the nodes (decode.cpp).
void decodeDocument(const Node& node, const std::string& file, LoadResult& out, int listDepth = 0);

void decodeMeta(ObjectReader& meta, ObjectMeta& out);
void decodeCanarySpec(ObjectReader& spec, CanarySpec& out);
void decodeCanaryStatus(ObjectReader& status, CanaryStatus& out);
void decodeService(ObjectReader& svc, CanaryService& out);
void decodeAnalysis(ObjectReader& analysis, CanaryAnalysis& out);
void decodeMatches(ObjectReader& parent, std::string_view name, std::vector<HttpMatch>& out);
void decodeMetricTemplateSpec(ObjectReader& spec, MetricTemplate& out);
void decodeAlertProviderSpec(ObjectReader& spec, AlertProvider& out);
void decodeWorkloadSpec(ObjectReader& spec, WorkloadSpec& out);  // decode_workload.cpp
void decodeHpaSpec(ObjectReader& spec, HorizontalPodAutoscaler& out);  // decode_hpa.cpp

// The enums of Flagger's CRDs (also used by the docs and tests).
inline constexpr std::initializer_list<const char*> kMeshProviders = {
    "apisix", "appmesh", "appmesh:v1beta2", "contour",      "gatewayapi:v1", "gatewayapi:v1beta1",
    "gloo",   "istio",   "knative",         "kubernetes",   "kuma",          "linkerd",
    "nginx",  "osm",     "skipper",         "smi:v1alpha1", "smi:v1alpha2",  "smi:v1alpha3",
    "traefik"};

}  // namespace aviary::api::detail
