// LocalRouter over a real mesh and real backends: the seed's canary stepped 0→10→…→50→promotion
// with the traffic per destination checked against each split, A/B by header and by cookie,
// blue/green with mirroring, session-affinity cookies and their expiry, revertOnDeletion,
// unsupported match fields, and concurrent ticks of two canaries.
#include "platform/local/local_router.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/decode.h"
#include "mesh_fixture.h"

namespace aviary::platform::local::testing {
namespace {

using router::Mirror;
using router::Weights;

api::Canary canaryFrom(const std::string& yaml) {
  api::LoadResult r = api::loadString(yaml, "canary.yaml");
  EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].format());
  EXPECT_EQ(r.canaries.size(), 1u);
  return r.canaries.empty() ? api::Canary{} : r.canaries[0];
}

api::Canary seedCanary() {
  std::ifstream in(std::string(AVIARY_SOURCE_DIR) + "/examples/seed/podinfo-canary.yaml");
  EXPECT_TRUE(in) << "examples/seed/podinfo-canary.yaml";
  std::stringstream text;
  text << in.rdbuf();
  return canaryFrom(text.str());
}

// A canary of podinfo in namespace test with `analysis` (YAML, indented by 4).
api::Canary canaryWith(const std::string& analysis) {
  return canaryFrom(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service:
    port: 9898
    headers:
      request:
        set: {x-routed-by: aviary-mesh}
  analysis:
    interval: 15s
    threshold: 5
)" + analysis);
}

struct Rig {
  Backend primary{"primary"}, canary{"canary"};
  TempDir dir;
  std::unique_ptr<Mesh> mesh = startMesh(dir.path(), 2);
  SeededRandom random{42};
  LocalRouter router{*mesh, random};

  void ready(const api::Canary& c) {
    ASSERT_TRUE(router.reconcile(c).ok());
    ASSERT_TRUE(mesh->setEndpoints("test", "podinfo-primary", {endpointOf(primary)}).ok());
    ASSERT_TRUE(mesh->setEndpoints("test", "podinfo", {endpointOf(canary)}).ok());
  }
  Weights weights(const api::Canary& c, const api::CanaryStatus& st = {}) {
    auto r = router.getRoutes(c, st);
    EXPECT_TRUE(r.ok()) << r.error().format();
    return r.ok() ? r->weights : Weights::allPrimary();
  }
};

// How many of `n` requests to the apex (through the mesh listener) the canary answered.
int canaryShare(Rig& rig, int n) {
  const int before = rig.canary.count(), primaryBefore = rig.primary.count();
  RawClient c(rig.mesh->meshPort());
  for (int i = 0; i < n; ++i) EXPECT_EQ(statusOf(viaMesh(c, "http://podinfo.test:9898/")), 200);
  const int canary = rig.canary.count() - before;
  EXPECT_EQ(canary + rig.primary.count() - primaryBefore, n);
  return canary;
}

// |observed - n p| within 5 standard deviations of a binomial(n, p) (plus one for rounding):
// a wrong split fails, a fair one passes all but once in millions of runs.
void expectSplit(int observed, int n, int percent) {
  const double p = percent / 100.0;
  const double bound = 5 * std::sqrt(n * p * (1 - p)) + 1;
  EXPECT_NEAR(observed, n * p, bound) << "canary answered " << observed << " of " << n << " at " << percent << "%";
}

TEST(LocalRouterTest, TheSeedCanaryStepsTo50ThenPromotes) {
  Rig rig;
  const api::Canary c = seedCanary();
  rig.ready(c);
  EXPECT_EQ(rig.weights(c), Weights::allPrimary());
  EXPECT_EQ(canaryShare(rig, 50), 0);
  api::CanaryStatus st;
  constexpr int kN = 400;
  for (int w = 10; w <= 50; w += 10) {
    ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::withCanary(w), Mirror::No).ok());
    EXPECT_EQ(rig.weights(c, st), Weights::withCanary(w));
    expectSplit(canaryShare(rig, kN), kN, w);
  }
  // The seed's retry policy is on the apex's route.
  const nlohmann::json routes = rig.mesh->apexRoutes("test", "podinfo").value();
  EXPECT_EQ(routes[0]["retries"]["attempts"], 3);
  EXPECT_EQ(routes[0]["retries"]["retryOn"], "gateway-error,connect-failure,refused-stream");
  // Promotion: all to the primary (now running the new spec).
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::allPrimary(), Mirror::No).ok());
  EXPECT_EQ(canaryShare(rig, 100), 0);
  // The proxy's per-destination counters saw what the backends saw.
  EXPECT_EQ(proxy::testing::waitRequestsTotal(rig.mesh->proxyForTest(), {"destination_workload=\"podinfo\""}, rig.canary.count()),
            rig.canary.count());
  EXPECT_EQ(proxy::testing::waitRequestsTotal(rig.mesh->proxyForTest(), {"destination_workload=\"podinfo-primary\""},
                                              rig.primary.count()),
            rig.primary.count());
}

TEST(LocalRouterTest, ABTestingByHeaderAndByCookie) {
  Rig rig;
  const api::Canary c = canaryWith(R"(    iterations: 10
    match:
      - headers: {x-canary: {exact: insider}}
      - headers: {cookie: {regex: "^(.*?;)?(canary=always)(;.*)?$"}}
)");
  rig.ready(c);
  api::CanaryStatus st;
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::allCanary(), Mirror::No).ok());
  EXPECT_EQ(rig.weights(c, st), Weights::allCanary());
  RawClient client(rig.mesh->meshPort());
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/", "X-Canary: insider\r\n")), "canary");
    EXPECT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/", "Cookie: canary=always; session=1\r\n")), "canary");
    EXPECT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/", "Cookie: canary=never\r\n")), "primary");
    EXPECT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/")), "primary");
  }
  // The service's request headers apply on every route.
  EXPECT_NE(bodyOf(viaMesh(client, "http://podinfo.test:9898/echo", "X-Canary: insider\r\n")).find("x-routed-by: aviary-mesh"),
            std::string::npos);
  // Rollback / promotion: everything to the primary, matched or not.
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::allPrimary(), Mirror::No).ok());
  EXPECT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/", "X-Canary: insider\r\n")), "primary");
}

TEST(LocalRouterTest, BlueGreenWithMirroringAnswersFromThePrimaryAndCopiesToTheCanary) {
  Rig rig;
  const api::Canary c = canaryWith("    iterations: 10\n    mirror: true\n    mirrorWeight: 50\n");
  rig.ready(c);
  api::CanaryStatus st;
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::allPrimary(), Mirror::Yes).ok());
  auto routes = rig.router.getRoutes(c, st);
  ASSERT_TRUE(routes.ok());
  EXPECT_EQ(routes->mirror, Mirror::Yes);
  EXPECT_EQ(routes->weights, Weights::allPrimary());
  constexpr int kN = 300;
  RawClient client(rig.mesh->meshPort());
  for (int i = 0; i < kN; ++i) ASSERT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/")), "primary");
  // Mirrored copies are sent after the answer: wait (bounded) until their count settles.
  const double mirrored = proxy::testing::settledRequestsTotal(rig.mesh->proxyForTest(), {"destination_workload=\"podinfo\""});
  EXPECT_EQ(rig.canary.count(), static_cast<int>(mirrored));
  expectSplit(rig.canary.count(), kN, 50);
  // The switch: all traffic to the canary, no mirror.
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::allCanary(), Mirror::No).ok());
  EXPECT_EQ(rig.router.getRoutes(c, st)->mirror, Mirror::No);
  EXPECT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/")), "canary");
}

std::string setCookie(const std::string& response) {
  std::string lower = response;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const size_t p = lower.find("\r\nset-cookie: ");
  if (p == std::string::npos) return "";
  return response.substr(p + 14, response.find("\r\n", p + 14) - p - 14);
}

TEST(LocalRouterTest, SessionAffinityKeepsAClientOnTheCanaryAndExpiresItsCookie) {
  Rig rig;
  const api::Canary c = canaryWith("    maxWeight: 50\n    stepWeight: 10\n    sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 21600\n");
  rig.ready(c);
  api::CanaryStatus st;
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::withCanary(20), Mirror::No).ok());
  ASSERT_EQ(st.sessionAffinityCookie.rfind("flagger-cookie=", 0), 0u) << st.sessionAffinityCookie;
  EXPECT_EQ(rig.weights(c, st), Weights::withCanary(20));
  RawClient client(rig.mesh->meshPort());
  std::string cookie;
  for (int i = 0; i < 200 && cookie.empty(); ++i) {
    const std::string r = viaMesh(client, "http://podinfo.test:9898/");
    if (bodyOf(r) == "canary") cookie = setCookie(r);
    else EXPECT_EQ(setCookie(r), "") << "the primary sets no cookie without primaryCookieName";
  }
  ASSERT_EQ(cookie, st.sessionAffinityCookie + "; Max-Age=21600");
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(bodyOf(viaMesh(client, "http://podinfo.test:9898/", "Cookie: " + st.sessionAffinityCookie + "\r\n")), "canary");
  }
  // Back to 0: the sticky client goes to the primary and is told to drop the cookie.
  const std::string old = st.sessionAffinityCookie;
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::allPrimary(), Mirror::No).ok());
  EXPECT_EQ(st.previousSessionAffinityCookie, old);
  const std::string r = viaMesh(client, "http://podinfo.test:9898/", "Cookie: " + old + "\r\n");
  EXPECT_EQ(bodyOf(r), "primary");
  EXPECT_EQ(setCookie(r), old + "; Max-Age=-1");
  EXPECT_EQ(rig.weights(c, st), Weights::allPrimary());
}

TEST(LocalRouterTest, FinalizeSendsEverythingToThePrimary) {
  Rig rig;
  const api::Canary c = seedCanary();
  rig.ready(c);
  api::CanaryStatus st;
  ASSERT_TRUE(rig.router.setRoutes(c, st, Weights::withCanary(50), Mirror::No).ok());
  ASSERT_TRUE(rig.router.finalize(c).ok());
  EXPECT_EQ(rig.weights(c), Weights::allPrimary());
  EXPECT_EQ(canaryShare(rig, 50), 0);
}

TEST(LocalRouterTest, MatchFieldsTheMeshCannotEvaluateAreRefusedWithTheirPath) {
  Rig rig;
  const api::Canary c = canaryWith("    iterations: 10\n    match:\n      - sourceLabels: {app: frontend}\n");
  rig.ready(c);
  api::CanaryStatus st;
  const Status s = rig.router.setRoutes(c, st, Weights::allCanary(), Mirror::No);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().format().find("spec.analysis.match[0].sourceLabels: not supported by the local mesh"), std::string::npos)
      << s.error().format();
  EXPECT_EQ(rig.weights(c), Weights::allPrimary());  // nothing changed
}

TEST(LocalRouterTest, TwoCanariesTickConcurrently) {
  Rig rig;
  std::vector<api::Canary> canaries;
  for (const char* name : {"alpha", "beta"}) {
    api::Canary c = seedCanary();
    c.metadata.name = name;
    c.spec.targetRef.name = name;
    const Status s = rig.router.reconcile(c);
    ASSERT_TRUE(s.ok()) << s.error().format();
    canaries.push_back(c);
  }
  std::vector<std::thread> ticks;
  for (const api::Canary& c : canaries) {
    ticks.emplace_back([&rig, c] {
      api::CanaryStatus st;
      for (int w = 0; w <= 50; w += 5) {
        EXPECT_TRUE(rig.router.reconcile(c).ok());
        EXPECT_TRUE(rig.router.setRoutes(c, st, Weights::withCanary(w), Mirror::No).ok());
        EXPECT_EQ(rig.weights(c, st), Weights::withCanary(w));
      }
    });
  }
  for (auto& t : ticks) t.join();
  EXPECT_EQ(rig.weights(canaries[0]), Weights::withCanary(50));
  EXPECT_EQ(rig.weights(canaries[1]), Weights::withCanary(50));
}

}  // namespace
}  // namespace aviary::platform::local::testing
