// Issue 24's probe set against a running proxy on loopback: the admin API driven from a web page
// (cross-site POST, DNS rebinding), its token, and requests that used to be forwarded or hang
// (absolute-form targets, missing or duplicated Host, relative targets, bare LF). Each test here
// failed before the fix it names.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "proxy/admin_guard.h"
#include "proxy_fixture.h"

namespace aviary::proxy::testing {
namespace {

// One raw request on a new connection; the answer (status 0: none within 5 s).
std::string exchange(uint16_t port, const std::string& request) {
  RawClient c(port);
  c.send(request);
  return c.readResponse();
}

std::string adminRequest(const std::string& method, const std::string& path, const std::string& headers,
                         const std::string& body = "") {
  return method + " " + path + " HTTP/1.1\r\n" + headers + "Content-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

class AdminHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = std::make_unique<Backend>("a");
    b_ = std::make_unique<Backend>("b");
    proxy_ = startProxy(fill(R"(admin: {port: 0{admin}}
listeners:
  - name: main
    routes:
      - name: split
        route: [{cluster: a, weight: 100}, {cluster: b, weight: 0}]
clusters:
  - {name: a, endpoints: ["{a}"]}
  - {name: b, endpoints: ["{b}"]}
)", {{"a", a_->address()}, {"b", b_->address()}, {"admin", adminFields()}}));
    ASSERT_TRUE(proxy_);
    host_ = "Host: 127.0.0.1:" + std::to_string(proxy_->adminPort()) + "\r\n";
  }
  virtual std::string adminFields() const { return ""; }
  int status(const std::string& request) { return statusOf(exchange(proxy_->adminPort(), request)); }
  // Weights as GET /config shows them, e.g. "100/0".
  std::string weights() {
    std::string cfg = bodyOf(exchange(proxy_->adminPort(), adminRequest("GET", "/config", host_)));
    size_t a = cfg.find("\"weight\": ");
    size_t b = cfg.find("\"weight\": ", a + 1);
    if (a == std::string::npos || b == std::string::npos) return "?";
    return std::to_string(std::stoi(cfg.substr(a + 10))) + "/" + std::to_string(std::stoi(cfg.substr(b + 10)));
  }

  std::unique_ptr<Backend> a_, b_;
  std::unique_ptr<ProxyServer> proxy_;
  std::string host_;
};

TEST_F(AdminHardeningTest, ACrossSitePostChangesNothing) {
  const std::string body = R"({"a":90,"b":10})";
  // The issue's curl: a CORS "simple" request a web page can send without a preflight.
  EXPECT_EQ(status(adminRequest("POST", "/routes/main/split/weights",
                                host_ + "Content-Type: text/plain\r\nOrigin: http://evil.example\r\n", body)),
            403);
  // Without Origin (a non-browser client) POST is still not a documented method.
  std::string r = exchange(proxy_->adminPort(), adminRequest("POST", "/routes/main/split/weights", host_, body));
  EXPECT_EQ(statusOf(r), 405);
  EXPECT_NE(r.find("Allow: PUT"), std::string::npos) << r;
  EXPECT_EQ(status(adminRequest("POST", "/config", host_, "workers: 1")), 405);
  EXPECT_EQ(status(adminRequest("OPTIONS", "/config", host_)), 405);
  EXPECT_EQ(status(adminRequest("DELETE", "/ready", host_)), 405);
  EXPECT_EQ(weights(), "100/0");
  // A PUT from the admin API's own origin (or none) is what changes weights.
  EXPECT_EQ(status(adminRequest("PUT", "/routes/main/split/weights",
                                host_ + "Origin: http://127.0.0.1:" + std::to_string(proxy_->adminPort()) + "\r\n", body)),
            200);
  EXPECT_EQ(weights(), "90/10");
  EXPECT_EQ(status(adminRequest("PUT", "/routes/main/split/weights", host_ + "Origin: null\r\n", R"({"a":100,"b":0})")), 403);
}

TEST_F(AdminHardeningTest, OnlyItsOwnAddressIsAcceptedAsHost) {
  const std::string port = std::to_string(proxy_->adminPort());
  // DNS rebinding: the page's own name arrives as Host.
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: evil.example\r\n")), 403);
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: evil.example:" + port + "\r\n")), 403);
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: 127.0.0.1.nip.io:" + port + "\r\n")), 403);
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: 10.1.2.3:" + port + "\r\n")), 403);
  EXPECT_EQ(status(adminRequest("GET", "/config", "")), 400);  // HTTP/1.1 without Host
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: 127.0.0.1:" + port + "\r\n")), 200);
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: localhost:" + port + "\r\n")), 200);
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: LOCALHOST\r\n")), 200);
  EXPECT_EQ(status(adminRequest("GET", "/config", "Host: [::1]:" + port + "\r\n")), 200);
}

class AdminTokenTest : public AdminHardeningTest {
 protected:
  std::string adminFields() const override { return ", token: s3cret, allowedHosts: [proxy.internal]"; }
};

TEST_F(AdminTokenTest, BearerSchemeIsCaseInsensitiveAndAllowedHostsAreAccepted) {
  EXPECT_EQ(status(adminRequest("GET", "/ready", host_)), 401);
  EXPECT_EQ(status(adminRequest("GET", "/ready", host_ + "Authorization: Bearer wrong\r\n")), 401);
  EXPECT_EQ(status(adminRequest("GET", "/ready", host_ + "Authorization: s3cret\r\n")), 401);
  EXPECT_EQ(status(adminRequest("GET", "/ready", host_ + "Authorization: Bearer s3cret\r\n")), 200);
  EXPECT_EQ(status(adminRequest("GET", "/ready", host_ + "Authorization: bearer s3cret\r\n")), 200);
  EXPECT_EQ(status(adminRequest("GET", "/ready", host_ + "Authorization: BEARER  s3cret\r\n")), 200);
  EXPECT_EQ(status(adminRequest("GET", "/ready", "Host: proxy.internal\r\nAuthorization: Bearer s3cret\r\n")), 200);
  EXPECT_EQ(status(adminRequest("GET", "/ready", "Host: other.internal\r\nAuthorization: Bearer s3cret\r\n")), 403);
}

TEST(AdminExposureTest, BeyondLoopbackNeedsAToken) {
  auto cfg = decodeProxyConfig("admin: {address: 0.0.0.0}\nlisteners: [{name: m, routes: [{route: [{cluster: a}]}]}]\n"
                               "clusters: [{name: a, endpoints: [\"127.0.0.1:1\"]}]\n",
                               "t.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  Status s = checkAdminExposure(cfg->admin);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().path, "admin.address");
  EXPECT_NE(s.error().message.find("beyond loopback (0.0.0.0) without a token"), std::string::npos) << s.error().message;
  auto refused = ProxyServer::start(cfg.value());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().path, "admin.address");
  AdminConfig a = cfg->admin;
  a.token = "t";
  EXPECT_TRUE(checkAdminExposure(a).ok());
  a.token.clear();
  a.tokenFile = "/nonexistent/token";
  EXPECT_TRUE(checkAdminExposure(a).ok());
  for (const char* loopback : {"127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(checkAdminExposure(AdminConfig{loopback}).ok()) << loopback;
  }
  EXPECT_FALSE(checkAdminExposure(AdminConfig{"::"}).ok());
  EXPECT_FALSE(checkAdminExposure(AdminConfig{"192.168.1.1"}).ok());
  AdminConfig off{"0.0.0.0"};
  off.enabled = false;
  EXPECT_TRUE(checkAdminExposure(off).ok());
}

TEST(AdminExposureTest, TokenFileIsCreatedWithANewTokenOrRead) {
  char tmpl[] = "/tmp/aviary-admin-token-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  AdminConfig a;
  a.tokenFile = dir + "/token";
  auto created = resolveAdminToken(a);
  ASSERT_TRUE(created.ok()) << created.error().format();
  EXPECT_EQ(created->size(), 64u);
  EXPECT_EQ(created->find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat st{};
  ASSERT_EQ(::stat(a.tokenFile.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = resolveAdminToken(a);  // read back, not replaced
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *created);
  AdminConfig other;
  other.tokenFile = dir + "/token2";
  EXPECT_NE(*resolveAdminToken(other), *created);  // 256 random bits each
  std::ofstream(dir + "/empty") << "\n";
  other.tokenFile = dir + "/empty";
  EXPECT_FALSE(resolveAdminToken(other).ok());
  other.tokenFile = dir + "/missing-dir/token";
  EXPECT_FALSE(resolveAdminToken(other).ok());
  // A proxy started with the file requires its token.
  auto proxy = startProxy("admin: {port: 0, tokenFile: " + a.tokenFile +
                          "}\nlisteners: [{name: m, routes: [{route: [{cluster: a}]}]}]\n"
                          "clusters: [{name: a, endpoints: [\"127.0.0.1:1\"]}]\n");
  ASSERT_TRUE(proxy);
  const std::string host = "Host: 127.0.0.1\r\n";
  EXPECT_EQ(statusOf(exchange(proxy->adminPort(), adminRequest("GET", "/ready", host))), 401);
  EXPECT_EQ(statusOf(exchange(proxy->adminPort(), adminRequest("GET", "/ready", host + "Authorization: Bearer " + *created + "\r\n"))),
            200);
  std::filesystem::remove_all(dir);
}

// The data path: route `match: uri prefix /admin → b`, `authority internal.example → b`, default → a.
class RequestTargetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new Backend("a");
    b_ = new Backend("b");
    proxy_ = startProxy(fill(R"(admin: {enabled: false}
limits: {idleTimeout: 30s}
listeners:
  - name: main
    routes:
      - match: [{uri: {prefix: /admin}}]
        route: [{cluster: b}]
      - match: [{authority: {exact: internal.example}}]
        route: [{cluster: b}]
      - route: [{cluster: a}]
clusters:
  - {name: a, endpoints: ["{a}"]}
  - {name: b, endpoints: ["{b}"]}
)", {{"a", a_->address()}, {"b", b_->address()}})).release();
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete a_;
    delete b_;
  }
  static std::string send(const std::string& request) { return exchange(proxy_->listenerPort(0), request); }
  static Backend* a_;
  static Backend* b_;
  static ProxyServer* proxy_;
};
Backend* RequestTargetTest::a_ = nullptr;
Backend* RequestTargetTest::b_ = nullptr;
ProxyServer* RequestTargetTest::proxy_ = nullptr;

TEST_F(RequestTargetTest, AbsoluteFormIsRoutedByItsPathAndAuthority) {
  std::string r = send("GET http://x/admin HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(statusOf(r), 200);
  EXPECT_EQ(bodyOf(r), "b");
  // The authority replaces Host, for routing and for the backend alike.
  r = send("GET http://internal.example/ HTTP/1.1\r\nHost: other\r\n\r\n");
  EXPECT_EQ(bodyOf(r), "b");
  EXPECT_EQ(b_->countForHost("internal.example"), 1);
  EXPECT_EQ(b_->countForHost("other"), 0);
  EXPECT_EQ(a_->countForHost("other"), 0);
  r = send("GET http://other/echo HTTP/1.1\r\nHost: internal.example\r\n\r\n");
  EXPECT_NE(bodyOf(r).find("host: other\n"), std::string::npos) << r;  // the /echo of backend a
  EXPECT_EQ(a_->countForHost("other"), 1);
}

TEST_F(RequestTargetTest, HostAndTargetProblemsAre400AndNotForwarded) {
  const int before = a_->count() + b_->count();
  for (const std::string bad : {
           "GET / HTTP/1.1\r\n\r\n",                                   // no Host
           "GET / HTTP/1.1\r\nHost: a\r\nHost: internal.example\r\n\r\n",  // two
           "GET foo HTTP/1.1\r\nHost: a\r\n\r\n",                      // not origin-form
           "GET internal.example:80 HTTP/1.1\r\nHost: a\r\n\r\n",      // authority-form
           "GET http://user@internal.example/ HTTP/1.1\r\nHost: a\r\n\r\n",
       }) {
    std::string r = send(bad);
    EXPECT_EQ(statusOf(r), 400) << bad;
  }
  EXPECT_EQ(a_->count() + b_->count(), before);
}

TEST_F(RequestTargetTest, BareLfIsAnsweredAtOnce) {
  // Before: no answer until idleTimeout (30 s here; RawClient gives up after 5 s).
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(statusOf(send("GET / HTTP/1.1\nHost: x\n\n")), 400);
  EXPECT_EQ(statusOf(send("GET / HTTP/1.1\r\nHost: x\n\r\n")), 400);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  // A request split after its CR still works.
  RawClient c(proxy_->listenerPort(0));
  c.send("GET / HTTP/1.1\r\nHost: x\r");
  c.send("\n\r\n");
  EXPECT_EQ(statusOf(c.readResponse()), 200);
}

}  // namespace
}  // namespace aviary::proxy::testing
