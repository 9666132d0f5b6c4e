#pragma once
// Helpers shared by istio_objects.cpp and istio_routes.cpp; not part of the package's interface.
#include <optional>
#include <string>

#include "router/istio/istio_objects.h"

namespace aviary::router::istio::detail {

// Flagger's makeDestination: {destination: {host[, port]}, weight}. The port is set only with
// portDiscovery when the first gateway is not "mesh", or with delegation.
Json destination(const api::Canary& canary, const std::string& host, int weight);

// An HTTP route with the service's common fields (rewrite, timeout, retries, corsPolicy, headers)
// and `match` (omitted when empty); `route` is left to the caller.
Json commonRoute(const api::Canary& canary, const Json& match);

// spec.service.match / analysis.match as Istio HTTPMatchRequests (Go omitempty applied).
Json matches(const std::vector<api::HttpMatch>& list);

// Flagger's mergeMatchConditions: `defaults` empty -> `canary`; else the cross product, canary-major,
// each a copy of the default whose headers / sourceLabels the canary entry replaces when it has them.
Json mergeMatches(const Json& canary, const Json& defaults);

// The A/B routes: the analysis match (merged with the service's) splitting `weights`, then the
// default route to the primary alone with the primary weight (Flagger writes p there, not 100).
Json abRoutes(const api::Canary& canary, int primary, int canary_);

// The TCP route: L4 port matches from spec.service.match and the split.
Json tcpRoute(const api::Canary& canary, int primary, int canary_);

// Error (Invalid) when delegation comes with hosts or gateways; nullopt otherwise.
std::optional<Error> delegationError(const api::Canary& canary);

bool isTcp(const api::Canary& canary);
bool isAb(const api::Canary& canary);

}  // namespace aviary::router::istio::detail
