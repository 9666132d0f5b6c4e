#pragma once
// Test fixture part shared by the leader election tests: an in-process sandbox API server on
// 127.0.0.1 (port 0, token, no kubelet) and a Client for it without client-side rate limits.
#include <chrono>
#include <memory>

#include "kube/client.h"
#include "sandbox/api_server.h"

namespace aviary::kube::testing {

struct LeaseSandbox {
  explicit LeaseSandbox(std::chrono::milliseconds requestTimeout = std::chrono::seconds(30)) {
    sandbox::ApiServerOptions o;
    o.token = "secret";
    o.kubelet = false;
    server = std::move(sandbox::ApiServer::start(o, clock, random).value());
    ClusterConfig cfg;
    cfg.server = server->url();
    cfg.token = "secret";
    ClientOptions co;
    co.qps = 0;
    co.timeout = requestTimeout;
    client = std::make_unique<Client>(cfg, co);
  }
  Json lease(const std::string& name = "flagger-leader-election") {
    return client->get({"coordination.k8s.io", "v1", "leases", true}, "default", name).value();
  }

  SystemClock clock;  // the server's: the electors under test get their own
  SeededRandom random{3};
  std::unique_ptr<sandbox::ApiServer> server;
  std::unique_ptr<Client> client;
};

}  // namespace aviary::kube::testing
