// Listeners added and removed by applyConfig while the proxy serves: the listeners kept keep their
// sockets (no failed request under load), a new one accepts on every worker, a removed one stops
// accepting and its open connections are told so.
#include <gtest/gtest.h>

#include "proxy_fixture.h"

namespace aviary::proxy::testing {
namespace {

// A config with the listener "main" and one more listener per name in `extra` (port 0 unless
// `ports` gives one), every listener routing to cluster be.
ProxyConfig configWith(const std::string& be, const std::vector<std::string>& extra,
                       const std::map<std::string, uint16_t>& ports = {}) {
  std::string yaml = "workers: 2\nadmin: {enabled: false}\nlisteners:\n  - {name: main, routes: [{route: [{cluster: be}]}]}\n";
  for (const std::string& name : extra) {
    const auto it = ports.find(name);
    yaml += "  - {name: " + name + ", port: " + std::to_string(it == ports.end() ? 0 : it->second) +
            ", routes: [{route: [{cluster: be}]}]}\n";
  }
  yaml += "clusters:\n  - {name: be, endpoints: [\"" + be + "\"]}\n";
  auto cfg = decodeProxyConfig(yaml, "listeners.yaml");
  EXPECT_TRUE(cfg.ok()) << cfg.error().format();
  return cfg.ok() ? cfg.value() : ProxyConfig{};
}

int getOnce(uint16_t port) {
  RawClient c(port);
  c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return statusOf(c.readResponse());
}

bool refused(uint16_t port) {
  const int fd = connectLoopback(port);
  if (fd >= 0) ::close(fd);
  return fd < 0;
}

TEST(ProxyListenerTest, AddAndRemoveUnderLoadFailsNoRequestOnTheOthers) {
  Backend be("be");
  auto started = ProxyServer::start(configWith(be.address(), {}));
  ASSERT_TRUE(started.ok()) << started.error().format();
  ProxyServer& proxy = *started.value();
  const uint16_t mainPort = proxy.listenerPort("main");
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&] {
      RawClient c(mainPort);
      for (int i = 0; i < 20000 && !stop; ++i) {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        (statusOf(c.readResponse()) == 200 ? ok : failed)++;
      }
    });
  }
  for (int round = 0; round < 10; ++round) {
    const std::string name = "svc" + std::to_string(round);
    ASSERT_TRUE(proxy.applyConfig(configWith(be.address(), {name})).ok());
    const uint16_t port = proxy.listenerPort(name);
    ASSERT_NE(port, 0);
    ASSERT_NE(port, mainPort);
    EXPECT_EQ(proxy.listenerPort("main"), mainPort);
    // Both workers accept on it: several connections all answered.
    for (int i = 0; i < 4; ++i) EXPECT_EQ(getOnce(port), 200);
    ASSERT_TRUE(proxy.applyConfig(configWith(be.address(), {})).ok());
    EXPECT_EQ(proxy.listenerPort(name), 0);
    EXPECT_TRUE(refused(port)) << "port " << port << " still accepts after its listener was removed";
  }
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 50);
}

TEST(ProxyListenerTest, AnOpenConnectionOfARemovedListenerIsToldAndClosed) {
  Backend be("be");
  auto started = ProxyServer::start(configWith(be.address(), {"extra"}));
  ASSERT_TRUE(started.ok()) << started.error().format();
  ProxyServer& proxy = *started.value();
  RawClient c(proxy.listenerPort("extra"));
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(statusOf(c.readResponse()), 200);
  ASSERT_TRUE(proxy.applyConfig(configWith(be.address(), {})).ok());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 503) << r;
  EXPECT_NE(r.find("listener \"extra\" was removed"), std::string::npos) << r;
  EXPECT_TRUE(c.closedByPeer());
}

TEST(ProxyListenerTest, AListenerThatCannotBeBoundChangesNothing) {
  Backend be("be");
  uint16_t taken = 0;
  const int fd = listenLoopback(&taken);  // no SO_REUSEPORT: the proxy cannot share it
  ASSERT_GE(fd, 0);
  auto started = ProxyServer::start(configWith(be.address(), {"keep"}));
  ASSERT_TRUE(started.ok()) << started.error().format();
  ProxyServer& proxy = *started.value();
  const uint16_t keepPort = proxy.listenerPort("keep");
  // Adding "busy" on a taken port fails, and "keep" (absent from the new config) is not removed.
  Status s = proxy.applyConfig(configWith(be.address(), {"busy"}, {{"busy", taken}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().format().find("cannot listen on 127.0.0.1:" + std::to_string(taken)), std::string::npos)
      << s.error().format();
  EXPECT_EQ(proxy.listenerPort("keep"), keepPort);
  EXPECT_EQ(getOnce(keepPort), 200);
  EXPECT_EQ(proxy.listenerPort("busy"), 0);
  // A kept listener cannot move to another port.
  s = proxy.applyConfig(configWith(be.address(), {"keep"}, {{"keep", static_cast<uint16_t>(keepPort == 65535 ? 1 : keepPort + 1)}}));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().format().find("add it under another name"), std::string::npos) << s.error().format();
  ::close(fd);
}

TEST(ProxyListenerTest, AClusterWithoutEndpointsAnswers503UH) {
  auto cfg = decodeProxyConfig(R"(admin: {enabled: false}
listeners: [{name: main, routes: [{route: [{cluster: empty}]}]}]
clusters: [{name: empty, endpoints: []}]
)", "empty.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  auto started = ProxyServer::start(std::move(cfg.value()));
  ASSERT_TRUE(started.ok()) << started.error().format();
  RawClient c(started.value()->listenerPort(0));
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string r = c.readResponse();
  EXPECT_EQ(statusOf(r), 503) << r;
  EXPECT_EQ(bodyOf(r), "no healthy upstream");
  // Reported as Istio's client sidecar would: no destination saw it (reporter="destination" is
  // what Flagger's checks select, and a canary without endpoints must not fail them by itself).
  EXPECT_EQ(waitRequestsTotal(*started.value(), {"reporter=\"source\"", "response_flags=\"UH\""}, 1), 1);
  EXPECT_EQ(waitRequestsTotal(*started.value(), {"reporter=\"destination\"", "response_flags=\"UH\""}, 0), 0);
}

}  // namespace
}  // namespace aviary::proxy::testing
