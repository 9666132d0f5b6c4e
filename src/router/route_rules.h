#pragma once
// The shape of the HTTP route Flagger's Istio router builds for a canary (flagger-integration.md
// §3.5 and §3.7, scheduler §4.18): A/B match rule, session-affinity sticky rules, the weighted
// rule, and the mirror percentage. Pure functions shared by every router that programs a real or
// in-memory data plane (memory_router.h, platform/local/local_router.h), so that the cookie
// rotation and rule order exist once.
#include <cstdint>
#include <string>
#include <vector>

#include "api/canary.h"
#include "common/clock.h"
#include "router/weights.h"

namespace aviary::router {

// One rule of the generated route, in order.
struct RouteRule {
  enum class Kind {
    StickyCanary,   // matches the canary cookie (the current one, routes 0/100; or the previous one)
    StickyPrimary,  // matches the primary cookie, routes 100/0
    Match,          // A/B: matches analysis.match, carries the split
    Weighted,       // the weighted (default) rule
  };
  Kind kind = Kind::Weighted;
  std::string cookieMatch;       // StickyCanary/StickyPrimary: "name=value"
  Weights weights = Weights::allPrimary();
  std::string canarySetCookie;   // Set-Cookie added to responses from the canary destination
  std::string primarySetCookie;  // Set-Cookie added to responses from the primary destination
  std::string routeSetCookie;    // Set-Cookie added to every response of the rule (the expiring one)
};

// Builds the rules for `weights` and updates the session-affinity cookies in `status` exactly as
// Flagger does: with analysis.match, [Match(weights), Weighted(100/0)] (session affinity does not
// apply); without session affinity, [Weighted]; with it and a canary weight > 0, the cookies are
// generated once (`random` draws their 10 letters) and the rules are [StickyCanary,
// (StickyPrimary,) Weighted]; at canary weight 0 the current cookie becomes the previous one and
// the rules are [StickyCanary(previous, expiring), Weighted] (just [Weighted] with no previous).
std::vector<RouteRule> buildRouteRules(const api::Canary& canary, api::CanaryStatus& status, Weights weights,
                                       Random& random);

// The share of primary traffic mirrored to the canary: 0 without mirroring, else
// analysis.mirrorWeight when > 0, else 100 (Istio mirrors everything without mirrorPercentage).
int32_t mirrorPercent(const api::Canary& canary, Mirror mirror);

// Istio's cookie match for a sticky rule: the regex ".*<name>.*<value>.*" on the Cookie header,
// from the "name=value" cookie.
std::string cookieRegex(const std::string& cookie);

}  // namespace aviary::router
