// The Istio router against an in-process sandbox API server (plain HTTP on 127.0.0.1, port 0)
// with the VirtualService and DestinationRule CRDs created by the test: reconcile, weights moved
// and read back, an existing VirtualService's unknown fields kept, finalize.
#include <gtest/gtest.h>

#include "api/decode.h"
#include "kube/client.h"
#include "router/istio/istio_router.h"
#include "sandbox/api_server.h"

namespace aviary::router::istio {
namespace {

const kube::Resource kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
const kube::Resource kNamespaces{"", "v1", "namespaces", false};

Json crd(const std::string& plural, const std::string& kind) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", plural + ".networking.istio.io"}}},
          {"spec",
           {{"group", "networking.istio.io"},
            {"names", {{"plural", plural}, {"kind", kind}, {"singular", kind}}},
            {"scope", "Namespaced"},
            {"versions",
             {{{"name", "v1beta1"},
               {"served", true},
               {"storage", true},
               {"schema",
                {{"openAPIV3Schema", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}}};
}

class IstioRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::ApiServerOptions o;
    o.token = "t";
    o.kubelet = false;
    server_ = std::move(sandbox::ApiServer::start(o, clock_, random_).value());
    kube::ClusterConfig cfg;
    cfg.server = server_->url();
    cfg.token = "t";
    kube::ClientOptions co;
    co.qps = 0;
    client_ = std::make_unique<kube::Client>(cfg, co);
    ASSERT_TRUE(client_->create(kCrds, "", crd("virtualservices", "VirtualService")).ok());
    ASSERT_TRUE(client_->create(kCrds, "", crd("destinationrules", "DestinationRule")).ok());
    ASSERT_TRUE(client_->create(kNamespaces, "", {{"metadata", {{"name", "test"}}}}).ok());
    auto loaded = api::loadFile(std::string(AVIARY_ISTIO_TESTDATA) + "/testdata/podinfo-canary.yaml");
    ASSERT_TRUE(loaded.ok() && loaded->errors.empty());
    canary_ = loaded->canaries.at(0);
    router_ = std::make_unique<IstioRouter>(*client_, IstioRouterOptions{{}, &cookies_});
  }

  Json get(const kube::Resource& r, const std::string& name) {
    auto o = client_->get(r, "test", name);
    EXPECT_TRUE(o.ok()) << o.error().format();
    return o.ok() ? *o : Json();
  }
  Weights routes() {
    auto r = router_->getRoutes(canary_, status_);
    EXPECT_TRUE(r.ok()) << r.error().format();
    return r.ok() ? r->weights : Weights::allPrimary();
  }

  SystemClock clock_;
  SeededRandom random_{7};
  SeededRandom cookies_{9};
  std::unique_ptr<sandbox::ApiServer> server_;
  std::unique_ptr<kube::Client> client_;
  api::Canary canary_;
  api::CanaryStatus status_;
  std::unique_ptr<IstioRouter> router_;
};

TEST_F(IstioRouterTest, ReconcileCreatesTheObjectsAndWeightsMove) {
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  const Json vs = get(kVirtualServices, "podinfo");
  EXPECT_EQ(vs["spec"], virtualServiceSpec(canary_).value());
  EXPECT_EQ(vs["metadata"]["ownerReferences"][0]["uid"], canary_.metadata.uid);
  EXPECT_EQ(get(kDestinationRules, "podinfo-canary")["spec"], destinationRule(canary_, "podinfo-canary")["spec"]);
  EXPECT_EQ(get(kDestinationRules, "podinfo-primary")["spec"]["trafficPolicy"]["tls"]["mode"], "DISABLE");
  EXPECT_EQ(routes(), Weights::allPrimary());

  for (int w : {10, 20, 50}) {
    ASSERT_TRUE(router_->setRoutes(canary_, status_, Weights::withCanary(w), Mirror::No).ok());
    EXPECT_EQ(routes(), Weights::withCanary(w));
  }
  // Reconcile at every tick must keep the weights and write nothing.
  const std::string version = get(kVirtualServices, "podinfo")["metadata"]["resourceVersion"];
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  EXPECT_EQ(get(kVirtualServices, "podinfo")["metadata"]["resourceVersion"], version);
  EXPECT_EQ(routes(), Weights::withCanary(50));

  ASSERT_TRUE(router_->setRoutes(canary_, status_, Weights::allPrimary(), Mirror::Yes).ok());
  auto mirrored = router_->getRoutes(canary_, status_);
  ASSERT_TRUE(mirrored.ok());
  EXPECT_EQ(mirrored->mirror, Mirror::Yes);
}

TEST_F(IstioRouterTest, ACanaryChangeRewritesTheRoutesAndTheDestinationRules) {
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  ASSERT_TRUE(router_->setRoutes(canary_, status_, Weights::withCanary(30), Mirror::No).ok());
  canary_.spec.service.timeout = "7s";
  canary_.spec.service.trafficPolicy = {{"tls", {{"mode", "ISTIO_MUTUAL"}}}};
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  const Json vs = get(kVirtualServices, "podinfo");
  EXPECT_EQ(vs["spec"]["http"][0]["timeout"], "7s");
  EXPECT_EQ(routes(), Weights::allPrimary()) << "as Flagger, a spec change resets the split";
  EXPECT_EQ(get(kDestinationRules, "podinfo-canary")["spec"]["trafficPolicy"]["tls"]["mode"], "ISTIO_MUTUAL");
  // The previous spec is recorded for finalize.
  const Json original = Json::parse(vs["metadata"]["annotations"][kOriginalAnnotation].get<std::string>());
  EXPECT_EQ(original["http"][0]["route"][1]["weight"], 30);
}

TEST_F(IstioRouterTest, AnExistingVirtualServiceKeepsWhatWeDoNotModelAndFinalizeRestoresIt) {
  const Json user = Json::parse(R"({
    "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
    "metadata": {"name": "podinfo", "namespace": "test", "labels": {"team": "web"}},
    "spec": {"hosts": ["podinfo.example.com"], "exportTo": ["."],
             "tls": [{"match": [{"port": 443, "sniHosts": ["podinfo.example.com"]}],
                      "route": [{"destination": {"host": "podinfo"}}]}],
             "http": [{"route": [{"destination": {"host": "podinfo"}}]}]}})");
  ASSERT_TRUE(client_->create(kVirtualServices, "test", user).ok());
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  Json vs = get(kVirtualServices, "podinfo");
  EXPECT_EQ(vs["spec"]["exportTo"], user["spec"]["exportTo"]);
  EXPECT_EQ(vs["spec"]["tls"], user["spec"]["tls"]);
  EXPECT_EQ(vs["spec"]["hosts"], Json::array({"*"}));
  EXPECT_FALSE(vs["metadata"].contains("labels") && vs["metadata"]["labels"].contains("team"))
      << "labels are the Canary's apex labels, as Flagger";

  ASSERT_TRUE(router_->setRoutes(canary_, status_, Weights::withCanary(10), Mirror::No).ok());
  vs = get(kVirtualServices, "podinfo");
  EXPECT_EQ(vs["spec"]["tls"], user["spec"]["tls"]) << "setRoutes keeps them too";
  EXPECT_EQ(routes(), Weights::withCanary(10));

  ASSERT_TRUE(router_->finalize(canary_).ok());
  vs = get(kVirtualServices, "podinfo");
  EXPECT_EQ(vs["spec"], user["spec"]);
}

TEST_F(IstioRouterTest, FinalizePrefersKubectlsCopyAndWithoutAnyCopyChangesNothing) {
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  const std::string before = get(kVirtualServices, "podinfo").dump();
  ASSERT_TRUE(router_->finalize(canary_).ok());
  EXPECT_EQ(get(kVirtualServices, "podinfo").dump(), before) << "no original configuration: nothing to revert";

  const Json applied = {{"spec", {{"hosts", {"podinfo"}}, {"http", {{{"route", {{{"destination", {{"host", "podinfo"}}}}}}}}}}}};
  auto patched = client_->patch(kVirtualServices, "test", "podinfo", kube::PatchType::Merge,
                                {{"metadata", {{"annotations", {{kKubectlAnnotation, applied.dump()}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.error().format();
  ASSERT_TRUE(router_->finalize(canary_).ok());
  EXPECT_EQ(get(kVirtualServices, "podinfo")["spec"], applied["spec"]);
}

TEST_F(IstioRouterTest, SessionAffinityCookiesAreRecordedOnlyAfterTheWrite) {
  auto loaded = api::loadFile(std::string(AVIARY_ISTIO_TESTDATA) + "/testdata/affinity-canary.yaml");
  ASSERT_TRUE(loaded.ok() && loaded->errors.empty());
  canary_ = loaded->canaries.at(0);
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  ASSERT_TRUE(router_->setRoutes(canary_, status_, Weights::withCanary(10), Mirror::No).ok());
  EXPECT_FALSE(status_.sessionAffinityCookie.empty());
  EXPECT_EQ(routes(), Weights::withCanary(10));
  // Reconcile ignores the cookie routes: nothing is rewritten.
  const std::string version = get(kVirtualServices, "podinfo")["metadata"]["resourceVersion"];
  ASSERT_TRUE(router_->reconcile(canary_).ok());
  EXPECT_EQ(get(kVirtualServices, "podinfo")["metadata"]["resourceVersion"], version);

  ASSERT_TRUE(client_->remove(kVirtualServices, "test", "podinfo").ok());
  api::CanaryStatus before = status_;
  before.sessionAffinityCookie.clear();
  api::CanaryStatus attempt = before;
  EXPECT_FALSE(router_->setRoutes(canary_, attempt, Weights::withCanary(20), Mirror::No).ok());
  EXPECT_EQ(attempt, before) << "a failed write leaves the status as it was";
}

TEST_F(IstioRouterTest, TheFactoryRefusesWhatIstioCannotRoute) {
  auto ok = makeIstioRouter(*client_, canary_);
  EXPECT_TRUE(ok.ok());
  canary_.spec.service.delegation = true;
  auto refused = makeIstioRouter(*client_, canary_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::Invalid);
}

}  // namespace
}  // namespace aviary::router::istio
