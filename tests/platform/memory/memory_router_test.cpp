#include "platform/memory/memory_router.h"

#include <gtest/gtest.h>

#include "router/nop_router.h"

namespace aviary::router {
namespace {

api::Canary makeCanary() {
  api::Canary c;
  c.metadata.name = "app";
  c.metadata.namespace_ = "prod";
  c.spec.targetRef = {"apps/v1", "Deployment", "app", ""};
  c.spec.analysis = api::CanaryAnalysis{};
  c.spec.analysis->interval = std::chrono::seconds(30);
  return c;
}

TEST(MemoryRouterTest, SetAndGetRoutes) {
  SeededRandom random(1);
  MemoryRouter r(random);
  auto c = makeCanary();
  api::CanaryStatus st;
  EXPECT_EQ(r.getRoutes(c, st)->weights, Weights::allPrimary());
  ASSERT_TRUE(r.setRoutes(c, st, Weights::withCanary(30), Mirror::No).ok());
  auto got = r.getRoutes(c, st);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->weights.canary(), 30);
  EXPECT_EQ(got->mirror, Mirror::No);
  EXPECT_EQ(r.mirrorPercent(), 0);
}

TEST(MemoryRouterTest, MirrorPercentFollowsMirrorWeight) {
  SeededRandom random(1);
  MemoryRouter r(random);
  auto c = makeCanary();
  api::CanaryStatus st;
  ASSERT_TRUE(r.setRoutes(c, st, Weights::allPrimary(), Mirror::Yes).ok());
  EXPECT_EQ(r.mirrorPercent(), 100);
  c.spec.analysis->mirrorWeight = 40;
  ASSERT_TRUE(r.setRoutes(c, st, Weights::allPrimary(), Mirror::Yes).ok());
  EXPECT_EQ(r.mirrorPercent(), 40);
}

TEST(MemoryRouterTest, AbMatchRoutesOnlyMatchedTraffic) {
  SeededRandom random(1);
  MemoryRouter r(random);
  auto c = makeCanary();
  c.spec.analysis->match.push_back(api::HttpMatch{});
  api::CanaryStatus st;
  ASSERT_TRUE(r.setRoutes(c, st, Weights::allCanary(), Mirror::No).ok());
  ASSERT_EQ(r.rules().size(), 2u);
  EXPECT_EQ(r.rules()[0].kind, RouteRule::Kind::Match);
  EXPECT_EQ(r.rules()[0].weights, Weights::allCanary());
  EXPECT_EQ(r.rules()[1].weights, Weights::allPrimary());
}

TEST(MemoryRouterTest, SessionAffinityCookiesFollowFlagger) {
  SeededRandom random(7);
  MemoryRouter r(random);
  auto c = makeCanary();
  api::SessionAffinity sa;
  sa.cookieName = "canary";
  sa.primaryCookieName = "primary";
  sa.maxAge = 60;
  sa.path = "/";
  sa.secure = true;
  c.spec.analysis->sessionAffinity = sa;
  api::CanaryStatus st;

  ASSERT_TRUE(r.setRoutes(c, st, Weights::withCanary(10), Mirror::No).ok());
  ASSERT_EQ(st.sessionAffinityCookie.size(), std::string("canary=").size() + 10);
  EXPECT_EQ(st.sessionAffinityCookie.rfind("canary=", 0), 0u);
  EXPECT_EQ(st.primarySessionAffinityCookie.rfind("primary=", 0), 0u);
  ASSERT_EQ(r.rules().size(), 3u);
  EXPECT_EQ(r.rules()[0].kind, RouteRule::Kind::StickyCanary);
  EXPECT_EQ(r.rules()[1].kind, RouteRule::Kind::StickyPrimary);
  EXPECT_EQ(r.rules()[2].canarySetCookie, st.sessionAffinityCookie + "; Max-Age=60; Path=/; Secure");
  EXPECT_EQ(r.rules()[2].primarySetCookie, st.primarySessionAffinityCookie + "; Max-Age=30; Path=/; Secure");

  // Cookies are generated once (Flagger never rotates them).
  const auto cookie = st.sessionAffinityCookie;
  const auto primary = st.primarySessionAffinityCookie;
  ASSERT_TRUE(r.setRoutes(c, st, Weights::withCanary(20), Mirror::No).ok());
  EXPECT_EQ(st.sessionAffinityCookie, cookie);
  EXPECT_EQ(st.primarySessionAffinityCookie, primary);

  // Back to 0: the cookie becomes the previous one, expired by the first rule.
  ASSERT_TRUE(r.setRoutes(c, st, Weights::allPrimary(), Mirror::No).ok());
  EXPECT_TRUE(st.sessionAffinityCookie.empty());
  EXPECT_EQ(st.previousSessionAffinityCookie, cookie);
  ASSERT_EQ(r.rules().size(), 2u);
  EXPECT_EQ(r.rules()[0].routeSetCookie, cookie + "; Max-Age=-1");
}

TEST(MemoryRouterTest, InjectedFailure) {
  SeededRandom random(1);
  MemoryRouter r(random);
  auto c = makeCanary();
  api::CanaryStatus st;
  r.failForTest(makeError(ErrorCode::Unavailable, "virtualservice update failed"));
  auto s = r.setRoutes(c, st, Weights::allCanary(), Mirror::No);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "virtualservice update failed");
  EXPECT_FALSE(r.getRoutes(c, st).ok());
}

TEST(NopRouterTest, ReportsByIterations) {
  NopRouter r;
  api::Canary c;
  api::CanaryStatus st;
  EXPECT_EQ(r.getRoutes(c, st)->weights, Weights::allPrimary());
  st.iterations = 1;
  EXPECT_EQ(r.getRoutes(c, st)->weights, Weights::allCanary());
}

}  // namespace
}  // namespace aviary::router
