#pragma once
// Flagger's builtin metric checks for the Istio observer (flagger pkg/metrics/observers/istio.go),
// and the choice of observer from the canary's provider (Flagger §4.1 / scheduler §5.1).
#include <string>
#include <string_view>

#include "api/canary.h"
#include "common/result.h"
#include "metrics/checker.h"

namespace aviary::metrics {

// The query templates, verbatim from Flagger (leading newline, tab indentation, trailing spaces
// on some lines). Rendered with renderQuery() and whitespace-collapsed before sending.
extern const std::string_view kIstioRequestSuccessRateQuery;
extern const std::string_view kIstioRequestDurationQuery;

// The builtin query template for `kind` (SuccessRate or Duration) under `metricsProvider`.
// Flagger maps every provider it does not know, and every "<x>:service", to the Istio observer;
// Aviary implements only the Istio observer, so providers that Flagger sends to another observer
// (linkerd, appmesh*, contour, gloo*, nginx, kubernetes, gatewayapi*, skipper, traefik, osm, kuma,
// apisix, knative) are an error (code Invalid) naming the provider, instead of a silent query of
// series that do not exist.
Result<std::string_view> builtinQueryTemplate(MetricKind kind, const std::string& metricsProvider);

}  // namespace aviary::metrics
