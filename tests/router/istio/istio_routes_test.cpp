// The parts of istio_objects.h the goldens do not show: GetRoutes' reading rules, the Reconcile
// comparison, delegation, TCP, port discovery and the match merge (flagger istio_test.go's
// TestIstioRouter_GetRoutes, _Delegate, _GatewayPort, _SetRoutesTCP, _Match cases).
#include <gtest/gtest.h>

#include "api/decode.h"
#include "router/istio/istio_objects.h"

namespace aviary::router::istio {
namespace {

api::Canary canaryFrom(const std::string& yaml) {
  auto r = api::loadString(yaml, "test.yaml");
  EXPECT_TRUE(r.errors.empty()) << r.errors.front().format();
  return r.canaries.at(0);
}

const std::string kBase = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
)";

TEST(IstioRoutes, ReadsBackWhatApplyWrites) {
  const auto canary = canaryFrom(kBase + "  service: {port: 9898}\n  analysis: {interval: 1m, maxWeight: 50, stepWeight: 10}\n");
  SeededRandom random(1);
  api::CanaryStatus status;
  for (int w : {0, 10, 50, 100}) {
    for (Mirror m : {Mirror::No, Mirror::Yes}) {
      auto vs = virtualServiceAt(canary, status, Weights::withCanary(w), m, random);
      ASSERT_TRUE(vs.ok());
      auto routes = readRoutes(canary, *vs);
      ASSERT_TRUE(routes.ok()) << routes.error().format();
      EXPECT_EQ(routes->weights, Weights::withCanary(w));
      EXPECT_EQ(routes->mirror, m);
    }
  }
}

TEST(IstioRoutes, MissingRoutesAndBadSumsAreErrors) {
  const auto canary = canaryFrom(kBase + "  service: {port: 9898}\n");
  auto none = readRoutes(canary, Json{{"spec", {{"http", Json::array()}}}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "VirtualService podinfo.test does not contain routes for podinfo-primary and podinfo-canary");
  Json bad = {{"spec",
               {{"http",
                 {{{"route",
                    {{{"destination", {{"host", "podinfo-primary"}}}, {"weight", 70}},
                     {{"destination", {{"host", "podinfo-canary"}}}, {"weight", 70}}}}}}}}}};
  EXPECT_FALSE(readRoutes(canary, bad).ok());
}

TEST(IstioRoutes, AnyShapeFromTheServerIsAnErrorNotAnException) {
  const auto canary = canaryFrom(kBase + "  service: {port: 9898}\n  analysis: {sessionAffinity: {cookieName: c}}\n");
  for (const char* text : {R"("x")", R"({"spec": 1})", R"({"spec": {"http": {"a": 1}}})", R"({"spec": {"http": [1, "x"]}})",
                           R"({"spec": {"http": [{"route": [{"destination": {"host": "podinfo-canary"}, "weight": "x"}]}]}})",
                           R"({"spec": {"http": [{"match": [1], "route": [{"destination": "x"}, 3]}]}})",
                           R"({"spec": {"http": [{"route": [{"destination": {"host": "podinfo-canary"}, "weight": 1e300}]}]}})"}) {
    const Json vs = Json::parse(text);
    EXPECT_NO_THROW({
      EXPECT_FALSE(readRoutes(canary, vs).ok()) << text;
      (void)sameRouting(canary, virtualServiceSpec(canary).value(), vs.is_object() ? vs["spec"] : vs);
    }) << text;
  }
}

TEST(IstioRoutes, SessionAffinityReadsTheCookieSettingDestinations) {
  const auto canary = canaryFrom(kBase + R"(  service: {port: 9898}
  analysis:
    interval: 1m
    sessionAffinity: {cookieName: c1, primaryCookieName: c2}
)");
  SeededRandom random(3);
  api::CanaryStatus status;
  auto vs = virtualServiceAt(canary, status, Weights::withCanary(30), Mirror::No, random);
  ASSERT_TRUE(vs.ok());
  ASSERT_EQ((*vs)["spec"]["http"].size(), 3u);
  auto routes = readRoutes(canary, *vs);
  ASSERT_TRUE(routes.ok()) << routes.error().format();
  EXPECT_EQ(routes->weights, Weights::withCanary(30));  // not the sticky 0/100 or 100/0 rules
}

TEST(IstioRoutes, SameRoutingIgnoresWeightsMirrorAndCookieRoutesOnly) {
  const auto canary = canaryFrom(kBase + R"(  service: {port: 9898, timeout: 5s}
  analysis:
    interval: 1m
    sessionAffinity: {cookieName: c1}
)");
  SeededRandom random(3);
  api::CanaryStatus status;
  auto desired = virtualServiceSpec(canary);
  ASSERT_TRUE(desired.ok());
  Json moved = *desired;
  ASSERT_TRUE(applyRoutes(canary, status, Weights::withCanary(40), Mirror::Yes, random, moved).ok());
  EXPECT_TRUE(sameRouting(canary, *desired, moved));
  Json retimed = moved;
  retimed["http"].back()["timeout"] = "9s";
  EXPECT_FALSE(sameRouting(canary, *desired, retimed));
  Json unknown = *desired;
  unknown["exportTo"] = Json::array({"."});
  EXPECT_TRUE(sameRouting(canary, *desired, unknown)) << "fields we do not model are not ours to compare";
}

TEST(IstioRoutes, DelegationHasNoHostsNorGatewaysAndRefusesThem) {
  const auto canary = canaryFrom(kBase + "  service: {port: 9898, delegation: true, portDiscovery: true}\n");
  auto spec = virtualServiceSpec(canary);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ((*spec)["hosts"], Json::array());
  EXPECT_FALSE(spec->contains("gateways"));
  EXPECT_EQ((*spec)["http"][0]["route"][0]["destination"]["port"]["number"], 9898);
  const auto both = canaryFrom(kBase + "  service: {port: 9898, delegation: true, hosts: [a.example.com]}\n");
  auto refused = virtualServiceSpec(both);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "VirtualService podinfo.test cannot have hosts and gateways when delegation enabled");
}

TEST(IstioRoutes, PortOnlyWithPortDiscoveryBehindANonMeshGateway) {
  auto port = [](const std::string& service) {
    auto spec = virtualServiceSpec(canaryFrom(kBase + service));
    EXPECT_TRUE(spec.ok());
    return (*spec)["http"][0]["route"][0]["destination"].contains("port");
  };
  EXPECT_TRUE(port("  service: {port: 9898, portDiscovery: true, gateways: [gw]}\n"));
  EXPECT_FALSE(port("  service: {port: 9898, portDiscovery: true, gateways: [mesh, gw]}\n"));
  EXPECT_FALSE(port("  service: {port: 9898, portDiscovery: true}\n"));
  EXPECT_FALSE(port("  service: {port: 9898, gateways: [gw]}\n"));
}

TEST(IstioRoutes, HostsAndTheMeshGateway) {
  auto spec = virtualServiceSpec(canaryFrom(kBase + "  service: {port: 9898, hosts: [a.example.com]}\n"));
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ((*spec)["hosts"], Json::array({"a.example.com", "podinfo"}));
  EXPECT_EQ((*spec)["gateways"], Json::array({"mesh"}));
  auto gw = virtualServiceSpec(canaryFrom(kBase + "  service: {port: 9898, hosts: [podinfo], gateways: [gw]}\n"));
  ASSERT_TRUE(gw.ok());
  EXPECT_EQ((*gw)["hosts"], Json::array({"podinfo"}));
  EXPECT_EQ((*gw)["gateways"], Json::array({"gw"})) << "listing gateways opts out of mesh, as in Flagger";
}

TEST(IstioRoutes, TcpRoutesCarryL4PortsAndTheSplit) {
  const auto canary = canaryFrom(kBase + "  service: {port: 9898, appProtocol: TCP, match: [{port: 9898}]}\n");
  SeededRandom random(1);
  api::CanaryStatus status;
  auto vs = virtualServiceAt(canary, status, Weights::withCanary(20), Mirror::No, random);
  ASSERT_TRUE(vs.ok());
  EXPECT_FALSE((*vs)["spec"].contains("http"));
  const Json& tcp = (*vs)["spec"]["tcp"];
  ASSERT_EQ(tcp.size(), 1u);
  EXPECT_EQ(tcp[0]["match"], Json::parse(R"([{"port": 9898}])"));
  auto routes = readRoutes(canary, *vs);
  ASSERT_TRUE(routes.ok());
  EXPECT_EQ(routes->weights, Weights::withCanary(20));
}

TEST(IstioRoutes, AbMatchIsMergedWithTheServiceMatch) {
  const auto canary = canaryFrom(kBase + R"(  service:
    port: 9898
    match: [{uri: {prefix: /api}}, {uri: {prefix: /v2}}]
  analysis:
    iterations: 5
    match:
    - headers: {x-canary: {exact: insider}}
    - sourceLabels: {app: tester}
)");
  auto spec = virtualServiceSpec(canary);
  ASSERT_TRUE(spec.ok());
  const Json expected = Json::parse(R"([
    {"uri": {"prefix": "/api"}, "headers": {"x-canary": {"exact": "insider"}}},
    {"uri": {"prefix": "/v2"}, "headers": {"x-canary": {"exact": "insider"}}},
    {"uri": {"prefix": "/api"}, "sourceLabels": {"app": "tester"}},
    {"uri": {"prefix": "/v2"}, "sourceLabels": {"app": "tester"}}])");
  EXPECT_EQ((*spec)["http"][0]["match"], expected);
  EXPECT_EQ((*spec)["http"][1]["match"], Json::parse(R"([{"uri": {"prefix": "/api"}}, {"uri": {"prefix": "/v2"}}])"));
}

TEST(IstioRoutes, CheckCanaryListsEveryProblem) {
  const auto canary = canaryFrom(kBase + R"(  service: {port: 9898, delegation: true, gateways: [gw]}
  analysis:
    sessionAffinity: {cookieName: same, primaryCookieName: same}
)");
  auto s = checkCanary(canary);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().format().find("delegation"), std::string::npos) << s.error().format();
  EXPECT_NE(s.error().format().find("primaryCookieName"), std::string::npos) << s.error().format();
}

}  // namespace
}  // namespace aviary::router::istio
