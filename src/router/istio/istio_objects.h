#pragma once
// The Istio objects Flagger's Istio router writes for a Canary (flagger pkg/router/istio.go;
// flagger-integration.md §3), as pure functions: the VirtualService `APEX` and the
// DestinationRules `APEX-canary` / `APEX-primary` (networking.istio.io/v1beta1), the HTTP/TCP
// routes for a split, and the split read back from a VirtualService. No I/O: istio_router.h
// applies them through the Kubernetes API, and `aviary render` can print them.
//
// JSON follows Flagger's typed model (Go omitempty): destination `weight` and retries `attempts`
// are always written, empty fields are not. Istio-shaped Canary fields Aviary keeps verbatim
// (trafficPolicy, corsPolicy, headers) are passed through as written; `rewrite` keeps only `uri`
// and `authority` (its `type` is not Istio's).
#include <string>

#include <nlohmann/json.hpp>

#include "api/canary.h"
#include "common/clock.h"
#include "common/result.h"
#include "router/router.h"
#include "router/weights.h"

namespace aviary::router::istio {

using Json = nlohmann::json;

inline constexpr const char* kApiVersion = "networking.istio.io/v1beta1";
// Restored by finalize (revertOnDeletion): kubectl's copy of the whole object, else ours of the spec.
inline constexpr const char* kKubectlAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
inline constexpr const char* kOriginalAnnotation = "flagger.kubernetes.io/original-configuration";

// apex = spec.service.name or the target's name; primary/canary = apex + "-primary"/"-canary".
struct ServiceNames {
  std::string apex, primary, canary;
};
ServiceNames serviceNames(const api::Canary& canary);

struct ObjectOptions {
  // Controller owner references to the Canary (Flagger sets them unless the mesh runs on another
  // cluster, -kubeconfig-service-mesh). Needs metadata.uid to be meaningful.
  bool ownerReferences = true;
};

// Checks what Flagger refuses at reconcile or sync: delegation together with hosts or gateways,
// and session affinity with cookieName == primaryCookieName. Every problem at once (Invalid).
Status checkCanary(const api::Canary& canary);

// The DestinationRule named `host` (serviceNames().primary or .canary): {host, trafficPolicy}.
Json destinationRule(const api::Canary& canary, const std::string& host, const ObjectOptions& options = {});

// The VirtualService spec Reconcile wants: hosts (apex appended unless it or "*" is listed),
// gateways (["mesh"] when none; none and `hosts: []` with delegation), one HTTP route 100/0 with
// the service's match/rewrite/timeout/retries/corsPolicy/headers — or, for A/B, the match route
// and the default route — or the TCP route when appProtocol is tcp. Error as checkCanary.
Result<Json> virtualServiceSpec(const api::Canary& canary);

// {labels, annotations} of the VirtualService: spec.service.apex's, with the two Flux opt-out
// annotations (kustomize …/reconcile and helm …/driftDetection: disabled) forced.
Json virtualServiceMetadata(const api::Canary& canary);

// The whole VirtualService as Reconcile creates it.
Result<Json> virtualService(const api::Canary& canary, const ObjectOptions& options = {});

// SetRoutes on a VirtualService spec, in place: replaces `http` (or `tcp` with appProtocol tcp)
// with the routes for `weights` — weighted route, A/B match + default route, session-affinity
// cookie routes with their Set-Cookie headers (route_rules.h; cookies drawn from `random` and
// recorded in `status`), and the mirror on the first route. Other keys of `spec` are untouched.
Status applyRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror,
                   Random& random, Json& spec);

// The VirtualService as it is after Reconcile then SetRoutes(weights, mirror) (for goldens and
// `aviary render`).
Result<Json> virtualServiceAt(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror,
                              Random& random, const ObjectOptions& options = {});

// GetRoutes: the weights of the last route that sends to the canary (with session affinity, the
// destinations that set a cookie win), and whether that route mirrors. Error (NotFound) when both
// weights are 0 or missing, (Invalid) when they do not sum to 100.
Result<Routes> readRoutes(const api::Canary& canary, const Json& virtualService);

// Whether an existing spec already has what `desired` asks for, ignoring what SetRoutes owns:
// destination weights, mirror/mirrorPercentage, and with session affinity the destinations'
// headers and the cookie-matching routes. Only hosts, gateways, http and tcp are compared.
bool sameRouting(const api::Canary& canary, const Json& desired, const Json& existing);

// The keys of a VirtualService spec this package writes (the rest of an existing spec is kept).
inline constexpr const char* kModelledSpecKeys[] = {"hosts", "gateways", "http", "tcp"};

}  // namespace aviary::router::istio
