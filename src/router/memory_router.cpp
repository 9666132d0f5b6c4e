#include "router/memory_router.h"

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

}  // namespace

Status MemoryRouter::reconcile(const api::Canary& canary) {
  reconciled_ = true;
  return okStatus();
}

std::string MemoryRouter::randomLetters(size_t n) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string s(n, 'a');
  for (auto& c : s) c = kLetters[random_->next(52)];
  return s;
}

Status MemoryRouter::setRoutes(const api::Canary& canary, api::CanaryStatus& status, Weights weights, Mirror mirror) {
  if (failure_) return *failure_;
  ++setRoutesCalls_;
  routes_ = Routes{weights, mirror};
  const auto& analysis = canary.spec.analysis;
  mirrorPercent_ = 0;
  if (mirror == Mirror::Yes) {
    // Istio: mirrorPercentage is mirrorWeight when set and > 0, else the whole stream.
    int32_t mw = analysis && analysis->mirrorWeight ? *analysis->mirrorWeight : 0;
    mirrorPercent_ = mw > 0 ? mw : 100;
  }
  buildRules(canary, status);
  return okStatus();
}

// Rebuilds the route shape. Session affinity follows Flagger §4.18: the cookies are generated once,
// and when the canary weight drops to 0 the current cookie becomes the "previous" one whose rule
// tells browsers to delete it.
void MemoryRouter::buildRules(const api::Canary& canary, api::CanaryStatus& status) {
  rules_.clear();
  const auto& analysis = canary.spec.analysis;
  RouteRule weighted{RouteRule::Kind::Weighted, {}, routes_.weights, {}, {}};
  if (analysis && !analysis->match.empty()) {
    rules_.push_back({RouteRule::Kind::Match, {}, routes_.weights, {}, {}});
    rules_.push_back({RouteRule::Kind::Weighted, {}, Weights::allPrimary(), {}, {}});
    return;
  }
  if (!analysis || !analysis->sessionAffinity) {
    rules_.push_back(weighted);
    return;
  }
  const auto& sa = *analysis->sessionAffinity;
  const std::string attrs = cookieAttributes(sa);
  if (routes_.weights.canary() != 0) {
    if (status.sessionAffinityCookie.empty()) status.sessionAffinityCookie = sa.cookieName + "=" + randomLetters(10);
    if (!sa.primaryCookieName.empty() && status.primarySessionAffinityCookie.empty()) {
      status.primarySessionAffinityCookie = sa.primaryCookieName + "=" + randomLetters(10);
    }
    const int32_t maxAge = sa.maxAge > 0 ? sa.maxAge : 86400;
    weighted.canarySetCookie = fmt::format("{}; Max-Age={}{}", status.sessionAffinityCookie, maxAge, attrs);
    rules_.push_back({RouteRule::Kind::StickyCanary, status.sessionAffinityCookie, Weights::allCanary(), {}, {}});
    if (!sa.primaryCookieName.empty()) {
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(analysis->interval).count();
      weighted.primarySetCookie = fmt::format("{}; Max-Age={}{}", status.primarySessionAffinityCookie, seconds, attrs);
      rules_.push_back(
          {RouteRule::Kind::StickyPrimary, status.primarySessionAffinityCookie, Weights::allPrimary(), {}, {}});
    }
    rules_.push_back(weighted);
    return;
  }
  if (!status.sessionAffinityCookie.empty()) {
    status.previousSessionAffinityCookie = status.sessionAffinityCookie;
    status.sessionAffinityCookie.clear();
  }
  if (!status.previousSessionAffinityCookie.empty()) {
    rules_.push_back({RouteRule::Kind::StickyCanary, status.previousSessionAffinityCookie, routes_.weights,
                      status.previousSessionAffinityCookie + "; Max-Age=-1", {}});
  }
  rules_.push_back(weighted);
}

Result<Routes> MemoryRouter::getRoutes(const api::Canary& canary, const api::CanaryStatus& status) {
  if (failure_) return *failure_;
  return routes_;
}

Status MemoryRouter::finalize(const api::Canary& canary) {
  routes_ = Routes{};
  rules_.clear();
  return okStatus();
}

}  // namespace aviary::router
