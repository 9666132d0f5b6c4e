#include "router/route_rules.h"

#include <fmt/format.h>

namespace aviary::router {
namespace {

// The optional Set-Cookie attributes, in the exact order Flagger writes them.
std::string cookieAttributes(const api::SessionAffinity& sa) {
  std::string out;
  if (!sa.domain.empty()) out += "; Domain=" + sa.domain;
  if (sa.httpOnly) out += "; HttpOnly";
  if (sa.partitioned) out += "; Partitioned";
  if (!sa.path.empty()) out += "; Path=" + sa.path;
  if (!sa.sameSite.empty()) out += "; SameSite=" + sa.sameSite;
  if (sa.secure) out += "; Secure";
  return out;
}

std::string randomLetters(Random& random, size_t n) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string s(n, 'a');
  for (auto& c : s) c = kLetters[random.next(52)];
  return s;
}

}  // namespace

// Session affinity follows Flagger §4.18: the cookies are generated once, and when the canary
// weight drops to 0 the current cookie becomes the "previous" one whose rule tells browsers to
// delete it.
std::vector<RouteRule> buildRouteRules(const api::Canary& canary, api::CanaryStatus& status, Weights weights,
                                       Random& random) {
  std::vector<RouteRule> rules;
  const auto& analysis = canary.spec.analysis;
  RouteRule weighted{RouteRule::Kind::Weighted, {}, weights, {}, {}, {}};
  if (analysis && !analysis->match.empty()) {
    rules.push_back({RouteRule::Kind::Match, {}, weights, {}, {}, {}});
    rules.push_back({RouteRule::Kind::Weighted, {}, Weights::allPrimary(), {}, {}, {}});
    return rules;
  }
  if (!analysis || !analysis->sessionAffinity) {
    rules.push_back(weighted);
    return rules;
  }
  const auto& sa = *analysis->sessionAffinity;
  const std::string attrs = cookieAttributes(sa);
  if (weights.canary() != 0) {
    if (status.sessionAffinityCookie.empty()) status.sessionAffinityCookie = sa.cookieName + "=" + randomLetters(random, 10);
    if (!sa.primaryCookieName.empty() && status.primarySessionAffinityCookie.empty()) {
      status.primarySessionAffinityCookie = sa.primaryCookieName + "=" + randomLetters(random, 10);
    }
    const int32_t maxAge = sa.maxAge > 0 ? sa.maxAge : 86400;
    weighted.canarySetCookie = fmt::format("{}; Max-Age={}{}", status.sessionAffinityCookie, maxAge, attrs);
    rules.push_back({RouteRule::Kind::StickyCanary, status.sessionAffinityCookie, Weights::allCanary(), {}, {}, {}});
    if (!sa.primaryCookieName.empty()) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(analysis->interval).count();
      weighted.primarySetCookie = fmt::format("{}; Max-Age={}{}", status.primarySessionAffinityCookie, seconds, attrs);
      rules.push_back(
          {RouteRule::Kind::StickyPrimary, status.primarySessionAffinityCookie, Weights::allPrimary(), {}, {}, {}});
    }
    rules.push_back(weighted);
    return rules;
  }
  if (!status.sessionAffinityCookie.empty()) {
    status.previousSessionAffinityCookie = status.sessionAffinityCookie;
    status.sessionAffinityCookie.clear();
  }
  if (!status.previousSessionAffinityCookie.empty()) {
    rules.push_back({RouteRule::Kind::StickyCanary, status.previousSessionAffinityCookie, weights, {}, {},
                     status.previousSessionAffinityCookie + "; Max-Age=-1"});
  }
  rules.push_back(weighted);
  return rules;
}

int32_t mirrorPercent(const api::Canary& canary, Mirror mirror) {
  if (mirror != Mirror::Yes) return 0;
  const auto& analysis = canary.spec.analysis;
  const int32_t mw = analysis && analysis->mirrorWeight ? *analysis->mirrorWeight : 0;
  return mw > 0 ? mw : 100;
}

std::string cookieRegex(const std::string& cookie) {
  const size_t eq = cookie.find('=');
  const std::string name = cookie.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : cookie.substr(eq + 1);
  return ".*" + name + ".*" + value + ".*";
}

}  // namespace aviary::router
