// The sandbox's semantics at the Store, patch and selector level: generation vs resourceVersion,
// status isolation, conflicts, finalizers, selectors, watch history and its compaction.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "sandbox/kubelet.h"
#include "sandbox/patch.h"
#include "sandbox/selector.h"
#include "sandbox/store.h"
#include "sandbox/table.h"

namespace aviary::sandbox {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(clock_, random_, 100) {
    EXPECT_TRUE(store_.create(*registry_.find("", "v1", "namespaces"), "", Json{{"metadata", {{"name", "ns"}}}}).ok());
  }
  ResourceType type(const std::string& group, const std::string& plural) {
    return *registry_.find(group, group.empty() ? "v1" : (group == "apps" ? "v1" : "v2"), plural);
  }
  Result<Json> replace(const ResourceType& t, const Json& body, WritePart part = WritePart::Main) {
    return store_.update(t, "ns", body["metadata"]["name"], part, [&](const Json&) -> Result<Json> { return body; });
  }
  static std::string rv(const Json& o) { return o["metadata"]["resourceVersion"]; }

  ManualClock clock_{std::chrono::system_clock::from_time_t(1767225600)};
  SeededRandom random_{1};
  Registry registry_;
  Store store_;
};

Json deployment(const std::string& name, const std::string& image) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
          {"spec", {{"replicas", 1}, {"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}}}}},
          {"status", {{"replicas", 99}}}};
}

TEST_F(StoreTest, GenerationMovesOnSpecChangesOnlyAndResourceVersionOnEveryWrite) {
  auto t = type("apps", "deployments");
  auto created = store_.create(t, "ns", deployment("web", "a:1"));
  ASSERT_TRUE(created.ok()) << created.error().format();
  EXPECT_EQ((*created)["metadata"]["generation"], 1);
  EXPECT_FALSE(created->contains("status")) << "create drops status when there is a status subresource";
  Json labels = *created;
  labels["metadata"]["labels"]["tier"] = "front";
  auto l = replace(t, labels);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ((*l)["metadata"]["generation"], 1);
  EXPECT_GT(std::stoull(rv(*l)), std::stoull(rv(*created)));
  Json spec = *l;
  spec["spec"]["template"]["spec"]["containers"][0]["image"] = "a:2";
  auto s = replace(t, spec);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["metadata"]["generation"], 2);
  auto same = replace(t, *s);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(rv(*same), rv(*s)) << "a no-op write keeps the resourceVersion";
}

TEST_F(StoreTest, StatusSubresourceIsolation) {
  auto t = type("apps", "deployments");
  Json d = *store_.create(t, "ns", deployment("web", "a:1"));
  Json viaStatus = d;
  viaStatus["status"] = {{"readyReplicas", 1}};
  viaStatus["spec"]["replicas"] = 5;
  auto s = replace(t, viaStatus, WritePart::Status);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["status"]["readyReplicas"], 1);
  EXPECT_EQ((*s)["spec"]["replicas"], 1) << "the status subresource ignores spec";
  EXPECT_EQ((*s)["metadata"]["generation"], 1);
  Json viaMain = *s;
  viaMain["status"] = {{"readyReplicas", 7}};
  auto m = replace(t, viaMain);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)["status"]["readyReplicas"], 1) << "the main resource ignores status";
}

TEST_F(StoreTest, StaleResourceVersionIsAConflictAndDuplicateCreateAlreadyExists) {
  auto t = type("", "configmaps");
  Json cm = *store_.create(t, "ns", {{"metadata", {{"name", "c"}}}, {"data", {{"a", "1"}}}});
  Json first = cm;
  first["data"]["a"] = "2";
  ASSERT_TRUE(replace(t, first).ok());
  Json stale = cm;
  stale["data"]["a"] = "3";
  auto r = replace(t, stale);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Conflict);
  EXPECT_EQ(r.error().path, "Conflict");
  auto dup = store_.create(t, "ns", {{"metadata", {{"name", "c"}}}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().path, "AlreadyExists");
  auto noNs = store_.create(t, "missing", {{"metadata", {{"name", "c"}}}});
  ASSERT_FALSE(noNs.ok());
  EXPECT_EQ(noNs.error().code, ErrorCode::NotFound);
}

TEST_F(StoreTest, FinalizersHoldADeletionUntilRemoved) {
  auto t = type("", "configmaps");
  ASSERT_TRUE(store_.create(t, "ns", {{"metadata", {{"name", "f"}, {"finalizers", {"example.com/hold"}}}}}).ok());
  auto marked = store_.remove(t, "ns", "f");
  ASSERT_TRUE(marked.ok());
  EXPECT_TRUE((*marked)["metadata"].contains("deletionTimestamp"));
  ASSERT_TRUE(store_.get(t, "ns", "f").ok()) << "still there while a finalizer remains";
  auto released = store_.update(t, "ns", "f", WritePart::Main, [](const Json& cur) -> Result<Json> {
    Json n = cur;
    n["metadata"]["finalizers"] = Json::array();
    return n;
  });
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(store_.get(t, "ns", "f").error().code, ErrorCode::NotFound);
  auto events = store_.eventsAfter(store_.resourceVersion() - 1);
  ASSERT_TRUE(events.has_value());
  EXPECT_EQ(events->back().type, "DELETED");
}

TEST_F(StoreTest, HistoryCompactionMakesOldVersionsGone) {
  auto t = type("", "configmaps");
  uint64_t start = store_.resourceVersion();
  ASSERT_TRUE(store_.create(t, "ns", {{"metadata", {{"name", "a"}}}}).ok());
  ASSERT_TRUE(store_.eventsAfter(start).has_value());
  store_.compact();
  EXPECT_FALSE(store_.eventsAfter(start).has_value());
  EXPECT_TRUE(store_.eventsAfter(store_.resourceVersion()).has_value());
}

TEST(SelectorTest, LabelSelectorForms) {
  Json o = {{"metadata", {{"labels", {{"app", "web"}, {"tier", "front"}}}}}};
  auto m = [&](const std::string& s) {
    auto sel = Selector::parse(s, true);
    EXPECT_TRUE(sel.ok()) << s;
    return sel.ok() && sel->matches(o);
  };
  EXPECT_TRUE(m(""));
  EXPECT_TRUE(m("app=web"));
  EXPECT_TRUE(m("app==web,tier"));
  EXPECT_FALSE(m("app!=web"));
  EXPECT_TRUE(m("app in (api, web)"));
  EXPECT_FALSE(m("app notin (web)"));
  EXPECT_TRUE(m("!missing"));
  EXPECT_FALSE(m("missing"));
  EXPECT_FALSE(Selector::parse("app in web", true).ok());
  auto f = Selector::parse("metadata.name=x,involvedObject.kind!=Pod", false);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->matches(Json{{"metadata", {{"name", "x"}}}, {"involvedObject", {{"kind", "Canary"}}}}));
}

TEST(PatchTest, StrategicMergeMergesContainersByNameAndHonoursDirectives) {
  Json cur = {{"spec", {{"containers", {{{"name", "a"}, {"image", "a:1"}, {"ports", {{{"containerPort", 80}}}}},
                                        {{"name", "b"}, {"image", "b:1"}}}},
                        {"args", {"x", "y"}}}}};
  auto r = strategicMerge(cur, Json::parse(R"({"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
      "containers":[{"name":"a","image":"a:2"},{"name":"b","$patch":"delete"}],"args":["z"]}})"));
  ASSERT_TRUE(r.ok()) << r.error().format();
  const Json& c = (*r)["spec"]["containers"];
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["image"], "a:2");
  EXPECT_EQ(c[0]["ports"][0]["containerPort"], 80);
  EXPECT_EQ((*r)["spec"]["args"], Json::array({"z"})) << "lists without a merge key are replaced";
  EXPECT_FALSE(strategicMerge(cur, Json::parse(R"({"$patch":"bogus"})")).ok());
}

TEST(PatchTest, MergeAndJsonPatchAndBodyErrors) {
  Json cur = {{"a", 1}, {"b", {{"c", 2}}}};
  auto m = applyPatch(PatchType::Merge, cur, Json::parse(R"({"a":null,"b":{"d":3}})"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, Json::parse(R"({"b":{"c":2,"d":3}})"));
  auto j = applyPatch(PatchType::Json, cur, Json::parse(R"([{"op":"replace","path":"/a","value":5}])"));
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["a"], 5);
  EXPECT_FALSE(applyPatch(PatchType::Json, cur, Json::parse(R"([{"op":"test","path":"/a","value":9}])")).ok());
  auto bad = decodeBody("{\n  \"a\": tru\n}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("request body:2:", 0), 0u) << bad.error().message;
  EXPECT_FALSE(decodeBody(std::string(300, '[') + std::string(300, ']')).ok());
  EXPECT_FALSE(decodeBody("7e77777").ok()) << "a number beyond a double (found by fuzz_sandbox_body)";
  EXPECT_EQ(patchTypeOf("application/merge-patch+json; charset=utf-8"), PatchType::Merge);
}

TEST(KubeletTest, ReadyUnlessHeld) {
  Json d = {{"kind", "Deployment"}, {"metadata", {{"name", "web"}, {"generation", 3}}}, {"spec", {{"replicas", 2}}}};
  Json s = Kubelet::desiredStatus(d, Json::object(), "2026-01-01T00:00:00Z");
  EXPECT_EQ(s["observedGeneration"], 3);
  EXPECT_EQ(s["readyReplicas"], 2);
  EXPECT_EQ(s["conditions"][0]["status"], "True");
  d["metadata"]["annotations"][kHoldUnreadyAnnotation] = "true";
  Json held = Kubelet::desiredStatus(d, s, "2026-01-01T00:01:00Z");
  EXPECT_FALSE(held.contains("readyReplicas"));
  EXPECT_EQ(held["unavailableReplicas"], 2);
  EXPECT_EQ(held["conditions"][0]["status"], "False");
}

// Bounded wait for the kubelet stand-in's thread (polls every millisecond, at most 5 s).
bool eventually(const std::function<bool()>& pred) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!pred() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return pred();
}

TEST_F(StoreTest, KubeletPausedHeldByNameAndIdle) {
  Kubelet kubelet(store_, registry_, clock_);
  const auto deployments = type("apps", "deployments");
  kubelet.pause(true);
  Json d = {
      {"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", "web"}}}, {"spec", {{"replicas", 2}}}};
  ASSERT_TRUE(store_.create(deployments, "ns", d).ok());
  // Paused: the write is queued, not reconciled.
  EXPECT_FALSE(kubelet.idle());
  EXPECT_FALSE(store_.get(deployments, "ns", "web").value().contains("status"));
  kubelet.pause(false);
  ASSERT_TRUE(eventually([&] { return kubelet.idle(); }));
  EXPECT_EQ(store_.get(deployments, "ns", "web").value()["status"]["readyReplicas"], 2);
  // Held by name, with no annotation on the object; then let go.
  kubelet.holdUnready("ns", "web", true);
  ASSERT_TRUE(eventually([&] { return kubelet.idle(); }));
  Json held = store_.get(deployments, "ns", "web").value();
  EXPECT_FALSE(held["status"].contains("readyReplicas"));
  EXPECT_FALSE(held["metadata"].contains("annotations"));
  // A workload held before it exists is created unready.
  kubelet.holdUnready("ns", "later", true);
  d["metadata"]["name"] = "later";
  ASSERT_TRUE(store_.create(deployments, "ns", d).ok());
  ASSERT_TRUE(eventually([&] { return kubelet.idle(); }));
  EXPECT_EQ(store_.get(deployments, "ns", "later").value()["status"]["unavailableReplicas"], 2);
  kubelet.holdUnready("ns", "web", false);
  ASSERT_TRUE(eventually([&] { return kubelet.idle(); }));
  EXPECT_EQ(store_.get(deployments, "ns", "web").value()["status"]["readyReplicas"], 2);
  kubelet.stop();
}

TEST(TableTest, PrinterColumnsAndAges) {
  Registry reg;
  Json crd = Json::parse(R"({"metadata":{"name":"canaries.flagger.app"},"spec":{"group":"flagger.app","scope":"Namespaced",
    "names":{"plural":"canaries","kind":"Canary"},"versions":[{"name":"v1beta1","served":true,"storage":true,
    "subresources":{"status":{}},"additionalPrinterColumns":[{"name":"Status","type":"string","jsonPath":".status.phase"}]}]}})");
  ASSERT_FALSE(reg.addCrd(crd).has_value());
  auto t = reg.find("flagger.app", "v1beta1", "canaries");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->statusSubresource);
  auto now = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01T00:00:00Z
  Json o = {{"metadata", {{"name", "podinfo"}, {"creationTimestamp", "2025-12-31T23:55:00Z"}}},
            {"status", {{"phase", "Succeeded"}}}};
  Json table = renderTable(*t, {o}, Json::object(), IncludeObject::None, now);
  ASSERT_EQ(table["columnDefinitions"].size(), 3u);
  EXPECT_EQ(table["rows"][0]["cells"], Json::array({"podinfo", "Succeeded", "5m"}));
  EXPECT_EQ(ageSince("2025-12-30T00:00:00Z", now), "2d");
  EXPECT_EQ(jsonPathValue(Json::parse(R"({"a":[{"b":1}]})"), ".a[0].b"), 1);
}

}  // namespace
}  // namespace aviary::sandbox
