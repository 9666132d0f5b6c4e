// The seed's two webhooks, exactly as written, against services reached by name through the
// mesh: the webhook client posts to http://flagger-loadtester.test/ (resolved by the mesh), the
// load tester (run with http_proxy pointing at the mesh, as the local platform runs it) executes
// `curl -sd 'test' http://podinfo-canary:9898/token | grep token` in bash and the built-in hey
// against http://podinfo-canary.test:9898/.
#include <cstdlib>
#include <thread>

#include "loadtester/server.h"
#include "mesh_fixture.h"
#include "webhooks/http_caller.h"

namespace aviary::platform::local::testing {
namespace {

// podinfo's endpoints the seed uses: POST /token answers a JSON token, anything else "podinfo".
class Podinfo {
 public:
  Podinfo() {
    auto s = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& r) {
      ++requests_;
      if (r.path == "/token" && r.method == "POST") return http::ServerResponse::json(200, "{\"token\":\"t0k3n\"}\n");
      return http::ServerResponse::text(200, "podinfo\n");
    });
    EXPECT_TRUE(s.ok()) << s.error().format();
    server_ = std::move(s.value());
  }
  uint16_t port() const { return server_->port(); }
  int requests() const { return requests_.load(); }

 private:
  std::atomic<int> requests_{0};
  std::unique_ptr<http::HttpServer> server_;
};

bool waitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {  // 10 s at most
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST(SeedWebhooksThroughTheMeshTest, AcceptanceAndLoadTestReachTheCanaryByName) {
  Podinfo canary;
  TempDir dir;
  auto mesh = startMesh(dir.path());
  ASSERT_TRUE(mesh);
  // What the local platform gives the load tester's commands (their environment is inherited).
  ASSERT_EQ(::setenv("http_proxy", mesh->proxyUrl().c_str(), 1), 0);
  loadtester::LoadtesterOptions o;
  o.port = 0;
  o.heyMode = loadtester::HeyMode::Builtin;
  o.builtinHey = {AVIARY_BINARY, "hey"};
  o.cmdShell = false;
  auto tester = loadtester::LoadtesterServer::start(o);
  ASSERT_TRUE(tester.ok()) << tester.error().format();
  ASSERT_TRUE(mesh->declareCanary("test", "podinfo", "podinfo", 9898).ok());
  ASSERT_TRUE(mesh->declareService("test", "flagger-loadtester", 80).ok());
  ASSERT_TRUE(mesh->setEndpoints("test", "podinfo", {{"127.0.0.1", canary.port()}}).ok());
  ASSERT_TRUE(mesh->setEndpoints("test", "flagger-loadtester", {{"127.0.0.1", (*tester)->port()}}).ok());

  webhooks::HttpWebhookCaller caller;
  caller.setProxyResolver([&](const std::string& url) { return mesh->proxyFor(url); });
  webhooks::Payload payload;
  payload.name = "podinfo";
  payload.namespace_ = "test";
  payload.phase = "Progressing";

  api::CanaryWebhook acceptance;
  acceptance.name = "acceptance-test";
  acceptance.url = "http://flagger-loadtester.test/";
  acceptance.timeout = "30s";
  payload.metadata = {{"type", "bash"}, {"cmd", "curl -sd 'test' http://podinfo-canary:9898/token | grep token"}};
  const Status accepted = caller.call(acceptance, payload);
  EXPECT_TRUE(accepted.ok()) << accepted.error().format();
  EXPECT_EQ(canary.requests(), 1);

  // The seed's load test runs for a minute; the same command with -n keeps this test short.
  api::CanaryWebhook load = acceptance;
  load.name = "load-test";
  load.timeout = "5s";
  payload.metadata = {{"cmd", "hey -n 20 -c 2 http://podinfo-canary.test:9898/"}};
  const Status started = caller.call(load, payload);
  EXPECT_TRUE(started.ok()) << started.error().format();
  EXPECT_TRUE(waitUntil([&] { return canary.requests() == 21; })) << canary.requests() << " requests reached the canary";
  EXPECT_EQ(proxy::testing::waitRequestsTotal(mesh->proxyForTest(), {"destination_service_name=\"podinfo-canary\""}, 21), 21);
  (*tester)->stop();
  ::unsetenv("http_proxy");
}

}  // namespace
}  // namespace aviary::platform::local::testing
