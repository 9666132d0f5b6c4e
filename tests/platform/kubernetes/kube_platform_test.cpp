// The Kubernetes platform against the sandbox API server: the store's caches, status writes with
// conflicts, finalizers, events, the Deployment target's primary, Services and HPA, readiness,
// promotion, scaling, revert and collection.
#include <gtest/gtest.h>

#include "api/decode.h"
#include "platform/kubernetes/kube_platform.h"
#include "platform/kubernetes/resources.h"
#include "sandbox_fixture.h"

namespace aviary::platform::kubernetes {
namespace {

using kube::Json;
using testing::eventually;

Json podinfo() {
  return Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"podinfo","namespace":"test","labels":{"app":"podinfo"}},
    "spec":{"replicas":2,"selector":{"matchLabels":{"app":"podinfo"}},
      "template":{"metadata":{"labels":{"app":"podinfo"}},
        "spec":{"containers":[{"name":"podinfod","image":"podinfo:3.1.0","envFrom":[{"configMapRef":{"name":"cfg"}}]}]}}}})");
}

Json canaryJson(bool revert = false) {
  Json c = Json::parse(R"({"apiVersion":"flagger.app/v1beta1","kind":"Canary",
    "metadata":{"name":"podinfo","namespace":"test"},
    "spec":{"provider":"kubernetes","targetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"podinfo"},
      "autoscalerRef":{"apiVersion":"autoscaling/v2beta2","kind":"HorizontalPodAutoscaler","name":"podinfo"},
      "service":{"port":9898,"targetPort":9898},
      "analysis":{"interval":"10s","threshold":2,"iterations":2,"metrics":[]}}})");
  if (revert) c["spec"]["revertOnDeletion"] = true;
  return c;
}

class KubePlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& k = sb_.client();
    k.create(kConfigMaps, "test", {{"metadata", {{"name", "cfg"}}}, {"data", {{"a", "1"}}}}).value();
    k.create(kDeployments, "test", podinfo()).value();
    k.create({"autoscaling", "v2beta2", "horizontalpodautoscalers", true}, "test",
             Json::parse(R"({"metadata":{"name":"podinfo","labels":{"app":"podinfo"}},"spec":{
               "scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"podinfo"},
               "minReplicas":2,"maxReplicas":4,
               "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":99}}}]}})"))
        .value();
    KubePlatformOptions o;
    o.clock = &clock_;
    o.syncTimeout = std::chrono::seconds(10);
    platform_ = std::move(KubePlatform::start(sb_.client(), o).value());
  }
  std::shared_ptr<const api::Canary> waitCanary(const std::function<bool(const api::Canary&)>& pred) {
    std::shared_ptr<const api::Canary> c;
    eventually([&] {
      c = platform_->store().getCanary("test", "podinfo");
      return c && pred(*c);
    });
    return c;
  }
  Json get(const kube::Resource& r, const std::string& name) { return sb_.client().get(r, "test", name).value(); }

  SystemClock clock_;
  testing::Sandbox sb_;
  std::unique_ptr<KubePlatform> platform_;
};

TEST_F(KubePlatformTest, StoreWatchesCanariesAndWritesStatusThrough) {
  std::mutex mu;
  std::vector<Change> changes;
  platform_->store().watch([&](const Change& c) {
    std::lock_guard lock(mu);
    changes.push_back(c);
  });
  sb_.client().create(kCanaries, "test", canaryJson()).value();
  auto c = waitCanary([](const api::Canary&) { return true; });
  ASSERT_TRUE(c);
  EXPECT_EQ(c->spec.targetRef.name, "podinfo");
  EXPECT_EQ(c->metadata.generation, 1);
  EXPECT_FALSE(c->metadata.uid.empty());

  api::CanaryStatus st;
  st.phase = api::Phase::Initializing;
  auto stale = platform_->store().updateStatus("test", "podinfo", "1", st);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::Conflict);
  auto rv = platform_->store().updateStatus("test", "podinfo", c->metadata.resourceVersion, st);
  ASSERT_TRUE(rv.ok()) << rv.error().format();
  // Write-through: answered at once, before the watch event.
  auto now = platform_->store().getCanary("test", "podinfo");
  EXPECT_EQ(now->status.phase, api::Phase::Initializing);
  EXPECT_EQ(now->metadata.resourceVersion, *rv);
  EXPECT_EQ(get(kCanaries, "podinfo")["status"]["phase"], "Initializing");

  auto fin = platform_->store().setFinalizers("test", "podinfo", *rv, {kFinalizer});
  ASSERT_TRUE(fin.ok()) << fin.error().format();
  EXPECT_EQ(get(kCanaries, "podinfo")["metadata"]["finalizers"], Json({kFinalizer}));
  sb_.client().remove(kCanaries, "test", "podinfo").value();
  c = waitCanary([](const api::Canary& c) { return !c.metadata.deletionTimestamp.empty(); });
  ASSERT_TRUE(c && !c->metadata.deletionTimestamp.empty());
  ASSERT_TRUE(platform_->store().setFinalizers("test", "podinfo", c->metadata.resourceVersion, {}).ok());
  EXPECT_TRUE(eventually([&] { return platform_->store().getCanary("test", "podinfo") == nullptr; }));
  std::lock_guard lock(mu);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.front().type, ChangeType::Added);
  EXPECT_EQ(changes.back().type, ChangeType::Deleted);
}

TEST_F(KubePlatformTest, AnUnreadableCanaryIsAbsentAndAnUnreadableUpdateKeepsTheLastReadableVersion) {
  Json bad = canaryJson();
  bad["spec"]["analysis"]["stepWeight"] = "ten";
  sb_.client().create(kCanaries, "test", bad).value();
  sb_.client()
      .create(kCanaries, "test",
              [] {
                Json ok = canaryJson();
                ok["metadata"]["name"] = "other";
                return ok;
              }())
      .value();
  ASSERT_TRUE(eventually([&] { return platform_->store().getCanary("test", "other") != nullptr; }));
  EXPECT_EQ(platform_->store().getCanary("test", "podinfo"), nullptr);

  std::atomic<int> deletions{0};
  platform_->store().watch([&](const Change& c) { deletions += c.type == ChangeType::Deleted; });
  auto other = sb_.client().get(kCanaries, "test", "other").value();
  other["spec"]["analysis"]["threshold"] = "two";
  sb_.client().update(kCanaries, "test", other).value();
  // Events of one watch arrive in order: once "third" is seen, the bad update has been handled.
  Json third = canaryJson();
  third["metadata"]["name"] = "third";
  sb_.client().create(kCanaries, "test", third).value();
  ASSERT_TRUE(eventually([&] { return platform_->store().getCanary("test", "third") != nullptr; }));
  auto kept = platform_->store().getCanary("test", "other");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->spec.analysis->threshold, 2);
  EXPECT_EQ(deletions.load(), 0);
}

TEST_F(KubePlatformTest, TargetCreatesPrimaryServicesAndHpaThenPromotesAndCollects) {
  sb_.client().create(kCanaries, "test", canaryJson()).value();
  auto c = waitCanary([](const api::Canary&) { return true; });
  ASSERT_TRUE(c);
  auto target = platform_->makeTarget(*c).value();
  auto router = platform_->makeRouter(*c, "kubernetes").value();
  auto rev = target->revision(*c);
  ASSERT_TRUE(rev.ok());
  auto cfgs = target->configs(*c).value();
  ASSERT_EQ(cfgs.size(), 1u);
  EXPECT_EQ(cfgs.count("configmap/cfg"), 1u);

  controller::Readiness ready;
  ASSERT_TRUE(eventually([&] { return (ready = target->initialize(*c, true)).isReady(); })) << ready.message;
  Json primary = get(kDeployments, "podinfo-primary");
  EXPECT_EQ(primary["spec"]["selector"]["matchLabels"], Json({{"app", "podinfo-primary"}}));
  EXPECT_EQ(primary["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"], "cfg-primary");
  EXPECT_EQ(get(kConfigMaps, "cfg-primary")["data"], Json({{"a", "1"}}));
  Json canarySvc = get(kServices, "podinfo-canary");
  EXPECT_EQ(canarySvc["spec"]["selector"], Json({{"app", "podinfo"}}));
  EXPECT_EQ(canarySvc["metadata"]["labels"]["app"], "podinfo-canary");
  EXPECT_EQ(canarySvc["spec"]["ports"][0],
            Json({{"name", "http"}, {"protocol", "TCP"}, {"port", 9898}, {"targetPort", 9898}}));
  EXPECT_EQ(get(kServices, "podinfo-primary")["spec"]["selector"], Json({{"app", "podinfo-primary"}}));

  ASSERT_TRUE(target->reconcilePrimaryScaler(*c, true).ok());
  Json hpa = get(kHpas, "podinfo-primary");
  EXPECT_EQ(hpa["spec"]["scaleTargetRef"]["name"], "podinfo-primary");
  EXPECT_EQ(hpa["spec"]["minReplicas"], 2);
  ASSERT_TRUE(target->scaleToZero(*c).ok());
  EXPECT_EQ(get(kDeployments, "podinfo")["spec"]["replicas"], 0);
  ASSERT_TRUE(router->reconcile(*c).ok());
  Json apex = get(kServices, "podinfo");
  EXPECT_EQ(apex["spec"]["selector"], Json({{"app", "podinfo-primary"}}));
  EXPECT_EQ(apex["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/reconcile"], "disabled");

  // A steady tick's calls write nothing: the resourceVersion of every object stays.
  const std::string before = sb_.client().list(kServices, "test").value()["metadata"]["resourceVersion"];
  ASSERT_TRUE(target->initialize(*c, false).isReady());
  ASSERT_TRUE(router->reconcile(*c).ok());
  ASSERT_TRUE(target->scaleToZero(*c).ok());
  ASSERT_TRUE(target->reconcilePrimaryScaler(*c, false).ok());
  EXPECT_EQ(sb_.client().list(kServices, "test").value()["metadata"]["resourceVersion"], before);

  // New revision: scale up (the primary's replicas), promote copies the template.
  sb_.client()
      .patch(
          kDeployments, "test", "podinfo", kube::PatchType::Merge,
          Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"podinfod","image":"podinfo:3.1.1"}]}}}})"))
      .value();
  ASSERT_TRUE(eventually([&] {
    auto r = target->revision(*c);
    return r.ok() && *r != *rev;
  }));
  ASSERT_TRUE(target->scaleFromZero(*c).ok());
  EXPECT_EQ(get(kDeployments, "podinfo")["spec"]["replicas"], 2);
  ASSERT_TRUE(eventually([&] { return target->isCanaryReady(*c).isReady(); }));
  ASSERT_TRUE(target->promote(*c).ok());
  EXPECT_EQ(get(kDeployments, "podinfo-primary")["spec"]["template"]["spec"]["containers"][0]["image"],
            "podinfo:3.1.1");
  ASSERT_TRUE(eventually([&] { return target->isPrimaryReady(*c).isReady(); }));

  // Revert gives the target the primary's replicas; the router gives a user apex back.
  ASSERT_TRUE(target->scaleToZero(*c).ok());
  ASSERT_TRUE(target->revert(*c).ok());
  EXPECT_EQ(get(kDeployments, "podinfo")["spec"]["replicas"], 2);

  platform_->forget(*c);
  for (const auto& [r, n] : std::vector<std::pair<kube::Resource, std::string>>{{kDeployments, "podinfo-primary"},
                                                                                {kServices, "podinfo"},
                                                                                {kServices, "podinfo-primary"},
                                                                                {kServices, "podinfo-canary"},
                                                                                {kHpas, "podinfo-primary"},
                                                                                {kConfigMaps, "cfg-primary"}}) {
    auto g = sb_.client().get(r, "test", n);
    EXPECT_FALSE(g.ok()) << n << " still exists";
  }
  EXPECT_TRUE(sb_.client().get(kDeployments, "test", "podinfo").ok());  // the user's target stays
}

// flagger-integration §1.13 (the primary HPA), §1.5 (promotion copies replicas only without an
// autoscaler), §1.6 (scale from zero to the HPA's minimum); on rollback the canary goes to zero
// and the primary keeps what its HPA gave it.
TEST_F(KubePlatformTest, ThePrimaryHpaIsAFullCloneAndReplicasFollowFlaggersRules) {
  auto& k = sb_.client();
  Json src = get(kHpas, "podinfo");
  src["spec"]["minReplicas"] = 3;
  src["spec"]["maxReplicas"] = 6;
  src["spec"]["metrics"] = Json::parse(R"([{"type":"Pods","pods":{"metric":{"name":"istio_requests_per_second"},
      "target":{"type":"AverageValue","averageValue":"10"}}}])");
  src["spec"]["behavior"] = Json::parse(R"({"scaleDown":{"stabilizationWindowSeconds":60}})");
  k.update(kHpas, "test", src).value();
  ASSERT_TRUE(eventually([&] {
    auto h = platform_->context().hpas->get("test", "podinfo");
    return h && (*h)["spec"].value("minReplicas", 0) == 3;
  }));
  Json cj = canaryJson();
  cj["spec"]["autoscalerRef"]["primaryScalerReplicas"] = {{"maxReplicas", 8}};
  k.create(kCanaries, "test", cj).value();
  auto c = waitCanary([](const api::Canary&) { return true; });
  ASSERT_TRUE(c);
  auto target = platform_->makeTarget(*c).value();
  controller::Readiness ready;
  ASSERT_TRUE(eventually([&] { return (ready = target->initialize(*c, true)).isReady(); })) << ready.message;
  EXPECT_EQ(get(kDeployments, "podinfo-primary")["spec"]["replicas"], 2) << "the target's replicas at creation";

  ASSERT_TRUE(target->reconcilePrimaryScaler(*c, true).ok());
  Json hpa = get(kHpas, "podinfo-primary");
  EXPECT_EQ(hpa["spec"]["scaleTargetRef"],
            Json({{"name", "podinfo-primary"}, {"kind", "Deployment"}, {"apiVersion", "apps/v1"}}));
  EXPECT_EQ(hpa["spec"]["minReplicas"], 3);
  EXPECT_EQ(hpa["spec"]["maxReplicas"], 8) << "primaryScalerReplicas.maxReplicas replaces the source's 6";
  EXPECT_EQ(hpa["spec"]["metrics"], src["spec"]["metrics"]);
  EXPECT_EQ(hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"], 60);
  EXPECT_EQ(hpa["metadata"]["labels"], Json({{"app", "podinfo"}}));
  EXPECT_EQ(hpa["metadata"]["ownerReferences"][0]["kind"], "Canary");
  EXPECT_EQ(hpa["metadata"]["ownerReferences"][0]["name"], "podinfo");

  // The primary's HPA scales the primary (here by hand, as the HPA controller would).
  ASSERT_TRUE(target->scaleToZero(*c).ok());
  k.patch(kDeployments, "test", "podinfo-primary", kube::PatchType::Merge, {{"spec", {{"replicas", 5}}}}).value();
  auto release = [&](const std::string& image) {
    k.patch(kDeployments, "test", "podinfo", kube::PatchType::Merge,
            Json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"podinfod","image":")" + image +
                        R"("}]}}}})"))
        .value();
    ASSERT_TRUE(eventually([&] {
      auto d = platform_->context().deployments->get("test", "podinfo");
      return d && (*d)["spec"]["template"]["spec"]["containers"][0]["image"] == image;
    }));
  };
  release("podinfo:3.1.1");
  ASSERT_TRUE(target->scaleFromZero(*c).ok());
  EXPECT_EQ(get(kDeployments, "podinfo")["spec"]["replicas"], 3) << "the HPA's minReplicas (> 1), not the primary's";
  ASSERT_TRUE(eventually([&] {
    auto p = platform_->context().deployments->get("test", "podinfo-primary");
    return p && (*p)["spec"].value("replicas", 0) == 5;
  }));
  ASSERT_TRUE(target->promote(*c).ok());
  Json primary = get(kDeployments, "podinfo-primary");
  EXPECT_EQ(primary["spec"]["template"]["spec"]["containers"][0]["image"], "podinfo:3.1.1");
  EXPECT_EQ(primary["spec"]["replicas"], 5) << "promotion keeps the primary's (HPA's) replicas";

  // Promoting refreshes the clone's metrics (init = false); primaryScalerReplicas still wins.
  src = get(kHpas, "podinfo");
  src["spec"]["metrics"][0]["pods"]["target"]["averageValue"] = "20";
  k.update(kHpas, "test", src).value();
  ASSERT_TRUE(eventually([&] {
    auto h = platform_->context().hpas->get("test", "podinfo");
    return h && (*h)["spec"]["metrics"][0]["pods"]["target"]["averageValue"] == "20";
  }));
  ASSERT_TRUE(target->reconcilePrimaryScaler(*c, false).ok());
  hpa = get(kHpas, "podinfo-primary");
  EXPECT_EQ(hpa["spec"]["metrics"][0]["pods"]["target"]["averageValue"], "20");
  EXPECT_EQ(hpa["spec"]["maxReplicas"], 8);
  ASSERT_TRUE(target->scaleToZero(*c).ok());

  // A release rolled back: the canary scaled up to the HPA's minimum, then to zero; the primary
  // keeps its replicas and the promoted template.
  release("podinfo:3.1.2");
  ASSERT_TRUE(target->scaleFromZero(*c).ok());
  EXPECT_EQ(get(kDeployments, "podinfo")["spec"]["replicas"], 3);
  ASSERT_TRUE(target->scaleToZero(*c).ok());
  EXPECT_EQ(get(kDeployments, "podinfo")["spec"]["replicas"], 0);
  primary = get(kDeployments, "podinfo-primary");
  EXPECT_EQ(primary["spec"]["replicas"], 5);
  EXPECT_EQ(primary["spec"]["template"]["spec"]["containers"][0]["image"], "podinfo:3.1.1");
}

TEST_F(KubePlatformTest, UserApexServiceIsTakenOverAndGivenBack) {
  sb_.client()
      .create(kServices, "test", Json::parse(R"({"metadata":{"name":"podinfo",
      "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{\"selector\":{\"app\":\"podinfo\"}}}"}},
      "spec":{"selector":{"app":"podinfo"},"ports":[{"name":"http","port":9898,"targetPort":9898}]}})"))
      .value();
  sb_.client().create(kCanaries, "test", canaryJson(true)).value();
  auto c = waitCanary([](const api::Canary&) { return true; });
  ASSERT_TRUE(eventually([&] { return platform_->kubeStore().rawCanary("test", "podinfo") != nullptr; }));
  ASSERT_TRUE(eventually([&] { return platform_->context().services->get("test", "podinfo") != nullptr; }));
  auto router = platform_->makeRouter(*c, "kubernetes").value();
  ASSERT_TRUE(router->reconcile(*c).ok());
  Json apex = get(kServices, "podinfo");
  EXPECT_EQ(apex["spec"]["selector"], Json({{"app", "podinfo-primary"}}));
  EXPECT_FALSE(apex["metadata"].contains("ownerReferences"));  // still the user's
  ASSERT_TRUE(router->finalize(*c).ok());
  EXPECT_EQ(get(kServices, "podinfo")["spec"]["selector"], Json({{"app", "podinfo"}}));
  platform_->forget(*c);
  EXPECT_TRUE(sb_.client().get(kServices, "test", "podinfo").ok());  // not ours to delete
}

TEST_F(KubePlatformTest, EventsAreCoreEventsOnTheCanaryAndRepeatsAreCounted) {
  sb_.client().create(kCanaries, "test", canaryJson()).value();
  auto c = waitCanary([](const api::Canary&) { return true; });
  controller::Event e{controller::EventType::Normal, "Initialization done! podinfo.test", api::Phase::Initialized,
                      clock_.now()};
  platform_->events().record(*c, e);
  e.type = controller::EventType::Warning;
  e.message = "Halt advancement";
  platform_->events().record(*c, e);
  platform_->events().record(*c, e);
  // Interleaved repeats are counted too (client-go's correlator keys on the event, not the last one).
  platform_->events().record(*c, controller::Event{controller::EventType::Normal, "Initialization done! podinfo.test",
                                                   api::Phase::Initialized, clock_.now()});
  kube::ListOptions lo;
  lo.fieldSelector = "involvedObject.name=podinfo,involvedObject.kind=Canary,involvedObject.uid=" + c->metadata.uid;
  Json events = sb_.client().list(kEvents, "test", lo).value()["items"];
  ASSERT_EQ(events.size(), 2u);
  std::map<std::string, Json> byMessage;
  for (const auto& ev : events) byMessage[ev["message"]] = ev;
  const Json& init = byMessage.at("Initialization done! podinfo.test");
  EXPECT_EQ(init["reason"], "Synced");
  EXPECT_EQ(init["type"], "Normal");
  EXPECT_EQ(init["source"]["component"], "flagger");
  EXPECT_EQ(init["count"], 2);
  EXPECT_EQ(byMessage.at("Halt advancement")["type"], "Warning");
  EXPECT_EQ(byMessage.at("Halt advancement")["count"], 2);
}

TEST_F(KubePlatformTest, DaemonSetTargetScalesByNodeSelector) {
  const kube::Resource daemonSets{"apps", "v1", "daemonsets", true};
  sb_.client()
      .create(daemonSets, "test", Json::parse(R"({"metadata":{"name":"agent","labels":{"app":"agent"}},
    "spec":{"selector":{"matchLabels":{"app":"agent"}},"updateStrategy":{"type":"RollingUpdate"},
      "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"a","image":"agent:1"}]}}}})"))
      .value();
  Json cj = canaryJson();
  cj["metadata"]["name"] = "agent";
  cj["spec"]["targetRef"] = {{"apiVersion", "apps/v1"}, {"kind", "DaemonSet"}, {"name", "agent"}};
  cj["spec"].erase("autoscalerRef");
  sb_.client().create(kCanaries, "test", cj).value();
  std::shared_ptr<const api::Canary> c;
  ASSERT_TRUE(eventually([&] { return (c = platform_->store().getCanary("test", "agent")) != nullptr; }));
  ASSERT_TRUE(eventually([&] { return platform_->context().daemonSets->get("test", "agent") != nullptr; }));
  auto target = platform_->makeTarget(*c).value();
  const std::string rev = target->revision(*c).value();
  controller::Readiness ready;
  ASSERT_TRUE(eventually([&] { return (ready = target->initialize(*c, true)).isReady(); })) << ready.message;
  Json primary = get(daemonSets, "agent-primary");
  EXPECT_EQ(primary["spec"]["selector"]["matchLabels"], Json({{"app", "agent-primary"}}));
  EXPECT_FALSE(primary["spec"].contains("replicas"));
  EXPECT_EQ(primary["spec"]["updateStrategy"]["type"], "RollingUpdate");
  ASSERT_TRUE(target->scaleToZero(*c).ok());
  EXPECT_EQ(get(daemonSets, "agent")["spec"]["template"]["spec"]["nodeSelector"]["flagger.app/scale-to-zero"], "true");
  EXPECT_EQ(target->revision(*c).value(), rev);  // the scale-to-zero selector is not a new revision
  ASSERT_TRUE(target->scaleFromZero(*c).ok());
  EXPECT_FALSE(
      get(daemonSets, "agent")["spec"]["template"]["spec"]["nodeSelector"].contains("flagger.app/scale-to-zero"));
  ASSERT_TRUE(eventually([&] { return target->isCanaryReady(*c).isReady(); }));
  ASSERT_TRUE(target->promote(*c).ok());
  platform_->forget(*c);
  EXPECT_FALSE(sb_.client().get(daemonSets, "test", "agent-primary").ok());
}

TEST_F(KubePlatformTest, UnsupportedProvidersAreClearErrors) {
  auto c = api::loadString(canaryJson().dump(), "c").canaries.at(0);
  auto r = platform_->makeRouter(c, "istio");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("\"istio\" is not available"), std::string::npos);
}

}  // namespace
}  // namespace aviary::platform::kubernetes
