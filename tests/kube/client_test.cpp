// The Kubernetes client against the sandbox (CRUD, status, pagination, 409 retry, watches with
// bookmarks) and against a scripted loopback server for the failure cases (watch reconnect,
// 410 relist, non-JSON answers).
#include <gtest/gtest.h>

#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/http_server.h"
#include "kube/client.h"
#include "kube/reflector.h"
#include "sandbox/api_server.h"

namespace aviary::kube {
namespace {

const Resource kConfigMaps{"", "v1", "configmaps", true};
const Resource kDeployments{"apps", "v1", "deployments", true};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() {
    sandbox::ApiServerOptions o;
    o.token = "secret";
    o.bookmarkInterval = std::chrono::milliseconds(50);
    o.kubelet = false;
    server_ = std::move(sandbox::ApiServer::start(o, clock_, random_).value());
    ClusterConfig cfg;
    cfg.server = server_->url();
    cfg.token = "secret";
    client_ = std::make_unique<Client>(cfg, ClientOptions{0, 1});
  }
  SystemClock clock_;
  SeededRandom random_{7};
  std::unique_ptr<sandbox::ApiServer> server_;
  std::unique_ptr<Client> client_;
};

Json configMap(const std::string& name, const std::string& app) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"labels", {{"app", app}}}}},
          {"data", {{"k", "v"}}}};
}

TEST_F(ClientTest, CrudAndErrorsCarryTheHttpStatus) {
  auto c = client_->create(kConfigMaps, "default", configMap("a", "web"));
  ASSERT_TRUE(c.ok()) << c.error().format();
  auto dup = client_->create(kConfigMaps, "default", configMap("a", "web"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::Conflict);
  EXPECT_EQ(dup.error().path, "AlreadyExists");
  EXPECT_EQ(httpStatus(dup.error()), 409);
  auto p = client_->patch(kConfigMaps, "default", "a", PatchType::Merge, {{"data", {{"k", "w"}}}});
  ASSERT_TRUE(p.ok()) << p.error().format();
  EXPECT_EQ((*p)["data"]["k"], "w");
  ASSERT_TRUE(client_->remove(kConfigMaps, "default", "a").ok());
  auto missing = client_->get(kConfigMaps, "default", "a");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(httpStatus(missing.error()), 404);

  ClusterConfig wrong;
  wrong.server = server_->url();
  wrong.token = "nope";
  auto denied = Client(wrong).get(kConfigMaps, "default", "a");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(httpStatus(denied.error()), 401);
}

TEST_F(ClientTest, StatusSubresourceAndGeneration) {
  Json d = {{"metadata", {{"name", "web"}}}, {"spec", {{"replicas", 1}}}};
  ASSERT_TRUE(client_->create(kDeployments, "default", d).ok());
  auto s = client_->updateWithRetry(
      kDeployments, "default", "web",
      [](Json& o) {
        o["status"] = {{"readyReplicas", 1}};
        o["spec"]["replicas"] = 3;  // ignored by the status subresource
        return okStatus();
      },
      3, true);
  ASSERT_TRUE(s.ok()) << s.error().format();
  EXPECT_EQ((*s)["status"]["readyReplicas"], 1);
  EXPECT_EQ((*s)["spec"]["replicas"], 1);
  EXPECT_EQ((*s)["metadata"]["generation"], 1);
}

TEST_F(ClientTest, HpaV2beta2AndV2ServeTheSameObjects) {
  const Resource v2beta2{"autoscaling", "v2beta2", "horizontalpodautoscalers", true};
  const Resource v2{"autoscaling", "v2", "horizontalpodautoscalers", true};
  Json hpa = {{"apiVersion", "autoscaling/v2beta2"}, {"kind", "HorizontalPodAutoscaler"},
              {"metadata", {{"name", "podinfo"}}},
              {"spec", {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "podinfo"}}},
                        {"minReplicas", 2}, {"maxReplicas", 4}}}};
  ASSERT_TRUE(client_->create(v2beta2, "default", hpa).ok());
  auto got = client_->get(v2, "default", "podinfo");
  ASSERT_TRUE(got.ok()) << got.error().format();
  EXPECT_EQ((*got)["apiVersion"], "autoscaling/v2");
  EXPECT_EQ((*got)["spec"]["maxReplicas"], 4);
}

TEST_F(ClientTest, ConflictIsRetriedWithAFreshRead) {
  ASSERT_TRUE(client_->create(kConfigMaps, "default", configMap("c", "web")).ok());
  int calls = 0;
  auto r = client_->updateWithRetry(kConfigMaps, "default", "c", [&](Json& o) {
    if (++calls == 1) {
      // Someone else writes between our read and our update: our update will be stale.
      EXPECT_TRUE(client_->patch(kConfigMaps, "default", "c", PatchType::Merge, {{"data", {{"other", "1"}}}}).ok());
    }
    o["data"]["mine"] = "1";
    return okStatus();
  });
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ((*r)["data"]["other"], "1");
  EXPECT_EQ((*r)["data"]["mine"], "1");
}

TEST_F(ClientTest, ListPagesAndLabelSelectors) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(client_->create(kConfigMaps, "default", configMap("p" + std::to_string(i), i % 2 ? "odd" : "even")).ok());
  }
  ListOptions o;
  o.limit = 3;
  auto page = client_->list(kConfigMaps, "default", o);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ((*page)["items"].size(), 3u);
  EXPECT_FALSE((*page)["metadata"].value("continue", "").empty());
  auto all = client_->listAll(kConfigMaps, "default", o);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ((*all)["items"].size(), 7u);
  EXPECT_EQ((*all)["items"][6]["metadata"]["name"], "p6");
  o.limit = 0;
  o.labelSelector = "app=odd";
  EXPECT_EQ((*client_->list(kConfigMaps, "default", o))["items"].size(), 3u);
  o.labelSelector = "app notin (odd)";
  EXPECT_EQ((*client_->list(kConfigMaps, "default", o))["items"].size(), 4u);
}

TEST_F(ClientTest, WatchDeliversEventsThenBookmarks) {
  auto l = client_->list(kConfigMaps, "default");
  ASSERT_TRUE(l.ok());
  ASSERT_TRUE(client_->create(kConfigMaps, "default", configMap("w", "web")).ok());
  WatchOptions o;
  o.resourceVersion = (*l)["metadata"]["resourceVersion"];
  o.timeout = std::chrono::seconds(10);
  std::vector<WatchEvent> seen;
  auto st = client_->watch(kConfigMaps, "default", o, [&](const WatchEvent& e) {
    seen.push_back(e);
    return e.type != "BOOKMARK";
  });
  ASSERT_TRUE(st.ok()) << st.error().format();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].type, "ADDED");
  EXPECT_EQ(seen[0].object["metadata"]["name"], "w");
  EXPECT_EQ(seen[1].type, "BOOKMARK");
  EXPECT_EQ(seen[1].object["metadata"]["resourceVersion"], seen[0].object["metadata"]["resourceVersion"]);
}

TEST_F(ClientTest, WatchFromACompactedVersionIsExpired) {
  auto l = client_->list(kConfigMaps, "default");
  ASSERT_TRUE(client_->create(kConfigMaps, "default", configMap("x", "web")).ok());
  server_->store().compact();
  WatchOptions o;
  o.resourceVersion = (*l)["metadata"]["resourceVersion"];
  o.timeout = std::chrono::seconds(5);
  std::vector<WatchEvent> seen;
  ASSERT_TRUE(client_->watch(kConfigMaps, "default", o, [&](const WatchEvent& e) {
                seen.push_back(e);
                return true;
              }).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].type, "ERROR");
  EXPECT_EQ(seen[0].object["code"], 410);
  EXPECT_EQ(seen[0].object["reason"], "Expired");
}

TEST(ClientTlsTest, VerifiesTheServerAgainstTheGivenCa) {
  SystemClock clock;
  SeededRandom random(9);
  sandbox::ApiServerOptions o;
  o.tls = true;
  o.token = "t";
  o.kubelet = false;
  auto server = std::move(sandbox::ApiServer::start(o, clock, random).value());
  ASSERT_EQ(server->url().rfind("https://127.0.0.1:", 0), 0u) << server->url();
  const Resource namespaces{"", "v1", "namespaces", false};
  ClusterConfig cfg;
  cfg.server = server->url();
  cfg.token = "t";
  auto untrusted = Client(cfg, ClientOptions{0, 1}).list(namespaces, "");
  ASSERT_FALSE(untrusted.ok()) << "the generated CA is not among the system's";
  EXPECT_EQ(untrusted.error().code, ErrorCode::Unavailable);
  cfg.caData = server->caCertPem();
  auto trusted = Client(cfg, ClientOptions{0, 1}).list(namespaces, "");
  ASSERT_TRUE(trusted.ok()) << trusted.error().format();
  EXPECT_EQ((*trusted)["items"].size(), 4u);
  char tmpl[] = "/tmp/aviary-ca-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/ca.crt") << server->caCertPem();
  cfg.caData.clear();
  cfg.caFile = dir + "/ca.crt";
  EXPECT_TRUE(Client(cfg, ClientOptions{0, 1}).list(namespaces, "").ok());
  cfg.caFile.clear();
  cfg.insecureSkipVerify = true;
  EXPECT_TRUE(Client(cfg, ClientOptions{0, 1}).list(namespaces, "").ok());
  cfg.server = "https://localhost:" + std::to_string(server->port());
  cfg.insecureSkipVerify = false;
  cfg.caData = server->caCertPem();
  EXPECT_TRUE(Client(cfg, ClientOptions{0, 1}).list(namespaces, "").ok()) << "localhost is in the certificate";
  std::filesystem::remove_all(dir);
}

TEST(SandboxStateTest, ObjectsAndCrdsSurviveARestart) {
  char tmpl[] = "/tmp/aviary-state-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  SystemClock clock;
  SeededRandom random(5);
  sandbox::ApiServerOptions o;
  o.stateFile = dir + "/state.json";
  o.kubelet = false;
  const Resource crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
  const Resource canaries{"flagger.app", "v1beta1", "canaries", true};
  std::string rv;
  {
    auto server = std::move(sandbox::ApiServer::start(o, clock, random).value());
    ClusterConfig cfg;
    cfg.server = server->url();
    Client c(cfg, ClientOptions{0, 1});
    Json crd = Json::parse(R"({"metadata":{"name":"canaries.flagger.app"},"spec":{"group":"flagger.app","scope":"Namespaced",
      "names":{"plural":"canaries","kind":"Canary"},"versions":[{"name":"v1beta1","served":true,"storage":true}]}})");
    ASSERT_TRUE(c.create(crds, "", crd).ok());
    auto made = c.create(canaries, "default", {{"metadata", {{"name", "podinfo"}}}, {"spec", {{"x", 1}}}});
    ASSERT_TRUE(made.ok()) << made.error().format();
    rv = (*made)["metadata"]["resourceVersion"];
    server->stop();
  }
  auto again = std::move(sandbox::ApiServer::start(o, clock, random).value());
  ClusterConfig cfg;
  cfg.server = again->url();
  Client c(cfg, ClientOptions{0, 1});
  auto got = c.get(canaries, "default", "podinfo");
  ASSERT_TRUE(got.ok()) << got.error().format();
  EXPECT_EQ((*got)["metadata"]["resourceVersion"], rv);
  auto next = c.create(kConfigMaps, "default", configMap("after", "x"));
  ASSERT_TRUE(next.ok());
  EXPECT_GT(std::stoull((*next)["metadata"]["resourceVersion"].get<std::string>()), std::stoull(rv));
  again->stop();
  std::filesystem::remove_all(dir);
}

// A scripted API server: the list answers with version 10, then 20; the first watch sends one
// event and ends (a dropped connection), the second gets 410 (compacted), the third, after the
// relist, sends one event and waits until the test stops the reflector.
class ScriptedServer {
 public:
  ScriptedServer() {
    server_ = std::move(http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& r) { return handle(r); }).value());
  }
  ~ScriptedServer() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
      cv_.notify_all();
    }
    server_->stop();
  }
  std::string url() const { return server_->url(); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  http::ServerResponse handle(const http::ServerRequest& r) {
    int watchNo = 0, listNo = 0;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(r.target);
      (r.queryParam("watch") == "1" ? watchNo = ++watches_ : listNo = ++lists_);
    }
    auto event = [](const std::string& type, const std::string& name, const std::string& rv) {
      return Json{{"type", type}, {"object", {{"metadata", {{"name", name}, {"resourceVersion", rv}}}}}}.dump() + "\n";
    };
    if (listNo > 0) {
      Json items = Json::array({{{"metadata", {{"name", "a"}, {"resourceVersion", "5"}}}}});
      if (listNo > 1) items.push_back({{"metadata", {{"name", "b"}, {"resourceVersion", "19"}}}});
      return http::ServerResponse::json(
          200, Json{{"kind", "ConfigMapList"}, {"metadata", {{"resourceVersion", listNo == 1 ? "10" : "20"}}}, {"items", items}}.dump());
    }
    http::ServerResponse res;
    res.contentType = "application/json";
    res.stream = [this, watchNo, event](const http::ServerResponse::ChunkWriter& write) {
      if (watchNo == 1) {
        write(event("ADDED", "c", "11"));
      } else if (watchNo == 2) {
        write(Json{{"type", "ERROR"}, {"object", {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}}}}.dump() + "\n");
      } else {
        write(event("MODIFIED", "b", "21"));
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return done_ || stopWatch_; });
      }
    };
    return res;
  }

 public:
  void endWatches() {
    std::lock_guard lock(mu_);
    stopWatch_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false, stopWatch_ = false;
  int watches_ = 0, lists_ = 0;
  std::vector<std::string> requests_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST(ReflectorTest, ReconnectsFromTheLastVersionAndRelistsOnGone) {
  ScriptedServer scripted;
  ClusterConfig cfg;
  cfg.server = scripted.url();
  Client client(cfg, ClientOptions{0, 1});
  std::atomic<bool> stop{false};
  std::vector<std::string> log;
  ReflectorHandlers h;
  h.onSync = [&](const std::vector<Json>& items, const std::string& rv) {
    log.push_back("sync " + std::to_string(items.size()) + "@" + rv);
  };
  h.onEvent = [&](const WatchEvent& e) {
    log.push_back(e.type + " " + e.object["metadata"].value("name", ""));
    if (e.type == "MODIFIED") stop = true;  // the third watch delivered: done
  };
  ReflectorOptions o;
  o.sleep = [](std::chrono::nanoseconds) {};
  Reflector reflector(client, kConfigMaps, "default", o, h);
  std::thread t([&] { reflector.run(stop); });
  t.join();
  scripted.endWatches();
  EXPECT_EQ(log, (std::vector<std::string>{"sync 1@10", "ADDED c", "sync 2@20", "MODIFIED b"}));
  auto reqs = scripted.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_NE(reqs[1].find("resourceVersion=10"), std::string::npos) << reqs[1];
  EXPECT_NE(reqs[2].find("resourceVersion=11"), std::string::npos) << "reconnects from the last event: " << reqs[2];
  EXPECT_NE(reqs[4].find("resourceVersion=20"), std::string::npos) << "watches from the relist: " << reqs[4];
  EXPECT_EQ(reflector.lists(), 2);
}

TEST(ClientErrorsTest, TransportFailureAndNonJsonAnswers) {
  auto srv = std::move(http::HttpServer::start("127.0.0.1", 0, [](const http::ServerRequest&) {
                         return http::ServerResponse::text(200, "not json");
                       }).value());
  ClusterConfig cfg;
  cfg.server = srv->url();
  Client client(cfg, ClientOptions{0, 1});
  auto r = client.get(kConfigMaps, "default", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Unavailable);
  std::string url = srv->url();
  srv->stop();
  srv.reset();
  cfg.server = url;
  auto refused = Client(cfg, ClientOptions{0, 1}).get(kConfigMaps, "default", "x");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(httpStatus(refused.error()), 0);
}

}  // namespace
}  // namespace aviary::kube
