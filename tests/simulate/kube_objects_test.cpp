// The Kubernetes backend's pure parts: routes read back from a VirtualService and from Services,
// the embedded CRDs, kinds resolved against the sandbox's registry.
#include <gtest/gtest.h>

#include "simulate/kube_objects.h"

namespace aviary::simulate::kube_objects {
namespace {

using Routes = std::map<std::string, int32_t>;

TEST(KubeObjectsTest, DefaultRouteOfAVirtualService) {
  // A/B: the match route sends insiders to the canary; the default route is what is read.
  auto vs = Json::parse(R"({"spec":{"http":[
    {"match":[{"headers":{"x-canary":{"regex":".*"}}}],
     "route":[{"destination":{"host":"podinfo-primary"},"weight":0},{"destination":{"host":"podinfo-canary"},"weight":100}]},
    {"route":[{"destination":{"host":"podinfo-primary"},"weight":100},{"destination":{"host":"podinfo-canary"},"weight":0}]}]}})");
  EXPECT_EQ(routesOfVirtualService(vs, "podinfo-primary", "podinfo-canary").value(),
            (Routes{{"primary", 100}, {"canary", 0}, {"mirror", 0}}));
  // Flagger's own A/B default route: the primary alone, with the primary weight (0).
  vs["spec"]["http"][1]["route"] = Json::parse(R"([{"destination":{"host":"podinfo-primary"},"weight":0}])");
  EXPECT_EQ(routesOfVirtualService(vs, "podinfo-primary", "podinfo-canary").value(),
            (Routes{{"primary", 100}, {"canary", 0}, {"mirror", 0}}));
  auto split = Json::parse(R"({"spec":{"http":[{"route":[
    {"destination":{"host":"podinfo-primary.test.svc.cluster.local"},"weight":90},
    {"destination":{"host":"podinfo-canary.test.svc.cluster.local"},"weight":10}]}]}})");
  EXPECT_EQ(routesOfVirtualService(split, "podinfo-primary", "podinfo-canary").value(),
            (Routes{{"primary", 90}, {"canary", 10}, {"mirror", 0}}));
}

TEST(KubeObjectsTest, MirrorAndTcp) {
  auto mirrored = Json::parse(R"({"spec":{"http":[{"route":[{"destination":{"host":"a-primary"},"weight":100},
    {"destination":{"host":"a-canary"},"weight":0}],"mirror":{"host":"a-canary"},"mirrorPercentage":{"value":50}}]}})");
  EXPECT_EQ(routesOfVirtualService(mirrored, "a-primary", "a-canary").value().at("mirror"), 50);
  mirrored["spec"]["http"][0].erase("mirrorPercentage");
  EXPECT_EQ(routesOfVirtualService(mirrored, "a-primary", "a-canary").value().at("mirror"), 100);
  auto tcp = Json::parse(R"({"spec":{"tcp":[{"route":[{"destination":{"host":"a-primary"}}]}]}})");
  EXPECT_EQ(routesOfVirtualService(tcp, "a-primary", "a-canary").value(),
            (Routes{{"primary", 100}, {"canary", 0}, {"mirror", 0}}));
  EXPECT_FALSE(
      routesOfVirtualService(Json::parse(R"({"spec":{"http":[{"match":[{}],"route":[]}]}})"), "a-primary", "a-canary")
          .ok());
}

TEST(KubeObjectsTest, ServicesSelectors) {
  auto svc = [](const std::string& app) { return Json{{"spec", {{"selector", {{"app", app}}}}}}; };
  EXPECT_EQ(routesOfServices(svc("podinfo-primary"), svc("podinfo-primary"), svc("podinfo")).value(),
            (Routes{{"primary", 100}, {"canary", 0}, {"mirror", 0}}));
  EXPECT_EQ(routesOfServices(svc("podinfo"), svc("podinfo-primary"), svc("podinfo")).value(),
            (Routes{{"primary", 0}, {"canary", 100}, {"mirror", 0}}));
  EXPECT_FALSE(routesOfServices(Json::object(), svc("a"), svc("b")).ok());
}

TEST(KubeObjectsTest, EmbeddedCrdsAreServed) {
  auto crds = builtinCrds();
  ASSERT_TRUE(crds.ok()) << crds.error().format();
  sandbox::Registry registry;
  for (const auto& crd : *crds) EXPECT_FALSE(registry.addCrd(crd).has_value()) << crd.dump();
  for (const auto& [apiVersion, kind] :
       std::vector<std::pair<std::string, std::string>>{{"flagger.app/v1beta1", "Canary"},
                                                        {"flagger.app/v1beta1", "MetricTemplate"},
                                                        {"flagger.app/v1beta1", "AlertProvider"},
                                                        {"networking.istio.io/v1beta1", "VirtualService"},
                                                        {"networking.istio.io/v1beta1", "DestinationRule"},
                                                        {"networking.istio.io/v1alpha3", "Gateway"},
                                                        {"autoscaling/v2beta2", "HorizontalPodAutoscaler"},
                                                        {"apps/v1", "Deployment"}}) {
    EXPECT_TRUE(typeOf(registry, apiVersion, kind).has_value()) << apiVersion << " " << kind;
  }
  EXPECT_FALSE(typeOf(registry, "example.com/v1", "Widget").has_value());
  auto canary = typeOfKind(registry, "Canary");
  ASSERT_TRUE(canary.has_value());
  EXPECT_TRUE(canary->statusSubresource);
  EXPECT_EQ(typeOfKind(registry, "HorizontalPodAutoscaler")->version, "v2");
}

TEST(KubeObjectsTest, YamlDocumentsReportTheirSource) {
  auto docs = yamlDocuments("a: 1\n---\n# only a comment\n---\nb: [x\n", "f.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.error().message.find("f.yaml:6:1: invalid YAML"), std::string::npos) << docs.error().message;
  auto ok = yamlDocuments("a: 1\n---\nb: two\n", "f.yaml");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 2u);
}

}  // namespace
}  // namespace aviary::simulate::kube_objects
