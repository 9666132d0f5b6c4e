// Service-kind targets (flagger-integration.md §1.10) against the sandbox API server: the
// `-canary` and `-primary` copies of the user's Service, kept in step without writes in a steady
// state, the revision from the Service's spec, promotion, the mesh router alone (no apex Service
// written), and collection. The pure copy function is checked directly too.
#include <gtest/gtest.h>

#include "api/decode.h"
#include "platform/kubernetes/kube_platform.h"
#include "platform/kubernetes/resources.h"
#include "platform/kubernetes/service_target.h"
#include "sandbox_fixture.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;
using testing::eventually;

Json userService() {
  return Json::parse(R"({"apiVersion":"v1","kind":"Service",
    "metadata":{"name":"backend","namespace":"test","labels":{"app":"backend","team":"a"},
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","note":"x"}},
    "spec":{"type":"ClusterIP","clusterIP":"10.0.0.7","clusterIPs":["10.0.0.7"],"selector":{"app":"backend"},
      "ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}]}})");
}

api::Canary serviceCanary() {
  Json c = Json::parse(R"({"apiVersion":"flagger.app/v1beta1","kind":"Canary",
    "metadata":{"name":"backend","namespace":"test","uid":"u-1"},
    "spec":{"provider":"kubernetes","targetRef":{"apiVersion":"v1","kind":"Service","name":"backend"},
      "service":{"port":80},
      "analysis":{"interval":"10s","threshold":2,"iterations":2,"metrics":[]}}})");
  auto r = api::loadString(c.dump(), "canary.json");
  EXPECT_TRUE(r.errors.empty()) << r.errors.front().format();
  return r.canaries.at(0);
}

TEST(ServiceTargetCopy, CopiesTheServiceWithoutItsIdentityOrAddresses) {
  const Json copy = serviceTargetCopy(serviceCanary(), userService(), "backend-canary", nullptr);
  EXPECT_EQ(copy["metadata"]["name"], "backend-canary");
  EXPECT_EQ(copy["metadata"]["labels"], Json({{"app", "backend"}, {"team", "a"}}));
  EXPECT_EQ(copy["metadata"]["annotations"], Json({{"note", "x"}}));
  EXPECT_EQ(copy["metadata"]["ownerReferences"][0]["name"], "backend");
  EXPECT_EQ(copy["metadata"]["ownerReferences"][0]["uid"], "u-1");
  EXPECT_FALSE(copy["spec"].contains("clusterIP"));
  EXPECT_FALSE(copy["spec"].contains("clusterIPs"));
  EXPECT_EQ(copy["spec"]["selector"], Json({{"app", "backend"}}));

  Json existing = copy;
  existing["metadata"]["uid"] = "copy-uid";
  existing["metadata"]["resourceVersion"] = "42";
  existing["spec"]["clusterIP"] = "10.0.0.9";
  const Json update = serviceTargetCopy(serviceCanary(), userService(), "backend-canary", &existing);
  EXPECT_EQ(update["metadata"]["uid"], "copy-uid");
  EXPECT_EQ(update["metadata"]["resourceVersion"], "42");
  EXPECT_EQ(update["spec"]["clusterIP"], "10.0.0.9");
}

class ServiceTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Json svc = userService();
    svc["spec"].erase("clusterIP");
    svc["spec"].erase("clusterIPs");
    sb_.client().create(kServices, "test", svc).value();
    KubePlatformOptions o;
    o.clock = &clock_;
    o.syncTimeout = std::chrono::seconds(10);
    platform_ = std::move(KubePlatform::start(sb_.client(), o).value());
  }
  Json get(const std::string& name) { return sb_.client().get(kServices, "test", name).value(); }
  std::string servicesVersion() { return sb_.client().list(kServices, "test").value()["metadata"]["resourceVersion"]; }

  SystemClock clock_;
  testing::Sandbox sb_;
  std::unique_ptr<KubePlatform> platform_;
};

TEST_F(ServiceTargetTest, CopiesPromotesAndIsRoutedByTheMeshRouterAlone) {
  const api::Canary c = serviceCanary();
  auto target = platform_->makeTarget(c).value();
  auto router = platform_->makeRouter(c, "kubernetes").value();
  auto rev = target->revision(c);
  ASSERT_TRUE(rev.ok()) << rev.error().format();
  EXPECT_TRUE(target->configs(c).value().empty());

  ASSERT_TRUE(target->initialize(c, true).isReady());
  const Json canary = get("backend-canary"), primary = get("backend-primary");
  EXPECT_EQ(canary["spec"]["selector"], Json({{"app", "backend"}}));
  EXPECT_EQ(canary["spec"]["ports"][0]["targetPort"], 8080);
  EXPECT_EQ(primary["spec"]["selector"], Json({{"app", "backend"}}));
  EXPECT_TRUE(ownedByCanary(canary, "backend", "u-1"));
  EXPECT_FALSE(canary["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_TRUE(target->isPrimaryReady(c).isReady());
  EXPECT_TRUE(target->isCanaryReady(c).isReady());

  // A steady tick writes nothing: no Service's resourceVersion moves, no apex is written.
  ASSERT_TRUE(eventually([&] { return platform_->context().services->get("test", "backend-primary") != nullptr; }));
  const std::string before = servicesVersion();
  ASSERT_TRUE(target->initialize(c, false).isReady());
  ASSERT_TRUE(router->reconcile(c).ok());
  ASSERT_TRUE(target->scaleToZero(c).ok());
  EXPECT_EQ(servicesVersion(), before);
  EXPECT_EQ(get("backend")["spec"]["selector"], Json({{"app", "backend"}}));  // the user's Service untouched

  // A new revision of the Service: the canary copy follows at once, the primary only on promotion.
  Json edited = get("backend");
  edited["spec"]["selector"] = {{"app", "backend"}, {"track", "v2"}};
  sb_.client().update(kServices, "test", edited).value();
  ASSERT_TRUE(eventually([&] {
    auto r = target->revision(c);
    return r.ok() && *r != *rev;
  }));
  ASSERT_TRUE(target->initialize(c, false).isReady());
  EXPECT_EQ(get("backend-canary")["spec"]["selector"]["track"], "v2");
  EXPECT_FALSE(get("backend-primary")["spec"]["selector"].contains("track"));
  ASSERT_TRUE(target->promote(c).ok());
  const Json promoted = get("backend-primary");
  EXPECT_EQ(promoted["spec"]["selector"]["track"], "v2");
  EXPECT_EQ(promoted["metadata"]["uid"], primary["metadata"]["uid"]);
  EXPECT_TRUE(promoted["metadata"].value("labels", Json::object()).empty());  // -include-label-prefix "": none

  platform_->forget(c);
  EXPECT_FALSE(sb_.client().get(kServices, "test", "backend-canary").ok());
  EXPECT_FALSE(sb_.client().get(kServices, "test", "backend-primary").ok());
  EXPECT_TRUE(sb_.client().get(kServices, "test", "backend").ok());  // the user's target stays
}

TEST_F(ServiceTargetTest, MissingServiceIsAWaitingReason) {
  api::Canary c = serviceCanary();
  c.spec.targetRef.name = "absent";
  auto target = platform_->makeTarget(c).value();
  const auto r = target->initialize(c, true);
  EXPECT_FALSE(r.isReady());
  EXPECT_EQ(r.message, "service absent.test get query error: services \"absent\" not found");
}

}  // namespace
}  // namespace aviary::platform::kubernetes
