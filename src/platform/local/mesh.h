#pragma once
// The local platform's data plane: one in-process ProxyServer that serves the Kubernetes-style
// services Flagger creates, reachable by name through one mesh listener and each on its own
// loopback port, with Istio's telemetry labels (docs/local-platform.md).
//
// Model. A Canary with target workload W and apex service A (spec.service.name, default W) in
// namespace N has three services: A (routed by the canary's split to the two sets), A-primary
// (the endpoint set "W-primary") and A-canary (the endpoint set "W"). A plain workload W (the load
// tester) has one service W over the endpoint set "W". Every service listens on a port of its own
// (its "direct" port) and is also reachable through the mesh listener, which routes by Host /
// request authority: A, A.N, A.N.svc and A.N.svc.cluster.local, with or without ":<service
// port>". A host the mesh does not know gets 404 with a body naming it.
//
// Telemetry. Endpoint set "W-primary" is destination_workload W-primary, set "W"
// destination_workload W, both in destination_workload_namespace N, reporter "destination",
// destination_service_name the service the request was routed to (A-primary, A-canary, W): what
// Flagger's builtin Istio queries select on.
//
// Routes. The apex's routes are proxy routes (config.h RouteConfig, as JSON in the proxy's config
// syntax) over the clusters clusterName(N, "A-primary") and clusterName(N, "A-canary"); they are
// set by the local router (local_router.h) and read back from here.
//
// State. Ports, services and apex routes are persisted in <stateDir>/mesh.json (write, fsync,
// rename) after every change and restored by start(): a restarted controller gets the same ports
// and the last routes. Endpoints are not persisted (the replicas' ports are the target's to
// report again); until they are pushed, a service answers 503 (flag UH).
//
// Thread-safety: every method may be called from any thread; changes are serialised.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/http_server.h"
#include "common/result.h"
#include "proxy/config.h"
#include "proxy/server.h"

namespace aviary::platform::local {

struct MeshOptions {
  std::string stateDir;            // required; created when missing
  std::string address = "127.0.0.1";
  uint16_t meshPort = 0;           // 0 = the persisted one, else any free port
  uint16_t adminPort = 0;          // the proxy's admin API (/stats/prometheus); same rule
  uint32_t workers = 1;
};

struct ServiceInfo {
  std::string namespace_;
  std::string name;      // e.g. podinfo, podinfo-primary, podinfo-canary, flagger-loadtester
  std::string endpoints;  // the endpoint set behind it ("" for an apex: it splits)
  uint16_t port = 0;      // the service port (spec.service.port or the workload's port)
  uint16_t directPort = 0;  // its own loopback listener
};

class Mesh {
 public:
  // Restores <stateDir>/mesh.json when present (an unreadable or invalid file is an error naming
  // it; nothing is started), binds the mesh listener, the admin API and every service's direct
  // port. A persisted direct port that is now taken is replaced by a free one (logged); a
  // requested meshPort/adminPort that is taken is an error (Unavailable).
  static Result<std::unique_ptr<Mesh>> start(MeshOptions options);
  ~Mesh();
  Mesh(const Mesh&) = delete;
  Mesh& operator=(const Mesh&) = delete;

  // Declares (or updates the port of) the three services of a canary. Idempotent; the apex's
  // routes are kept when present, else set to `initialRoutes` (as setApexRoutes; null = all
  // traffic to A-primary).
  Status declareCanary(const std::string& ns, const std::string& apex, const std::string& workload, uint16_t port,
                       const nlohmann::json& initialRoutes = nullptr);
  // Declares a plain workload's service `name` over endpoint set `name`.
  Status declareService(const std::string& ns, const std::string& name, uint16_t port);
  // Removes the services declared by declareCanary(apex) or declareService(name) and their routes.
  Status removeServices(const std::string& ns, const std::string& name);

  // The ready endpoints of set `set` ("W-primary" or "W") in namespace `ns`; an empty list means
  // none ready (503 UH). Kept for a set no service uses yet.
  Status setEndpoints(const std::string& ns, const std::string& set, std::vector<proxy::Endpoint> endpoints);

  // Sets the apex's routes: a JSON array of routes in the proxy's config syntax (docs/proxy.md
  // `routes[]`) whose clusters are clusterName(ns, apex + "-primary"/"-canary"). Validated as the
  // proxy validates config (Invalid, naming the route field); nothing changes on error. On the
  // mesh listener each match entry also requires the apex's host names (so a route's own
  // `authority` match is refused there: Invalid).
  Status setApexRoutes(const std::string& ns, const std::string& apex, nlohmann::json routes);
  // The apex's routes as set (NotFound for an undeclared apex).
  Result<nlohmann::json> apexRoutes(const std::string& ns, const std::string& apex) const;

  // The proxy cluster that serves service `service` in `ns`.
  static std::string clusterName(const std::string& ns, const std::string& service);

  // True when `authority` ("host" or "host:port") names a service of the mesh the way the mesh
  // listener routes it (see the model above).
  bool servesHost(std::string_view authority) const;
  // The proxy a client should use for `url`: proxyUrl() when the URL is http:// and its host is
  // a mesh service, else "" (connect directly). What the webhook client and `aviary run`'s
  // status endpoints use to resolve service names.
  std::string proxyFor(std::string_view url) const;

  std::vector<ServiceInfo> services() const;
  uint16_t meshPort() const;
  uint16_t adminPort() const;
  // "http://127.0.0.1:<mesh port>": what clients use as http_proxy.
  std::string proxyUrl() const;
  // The proxy's /stats/prometheus text.
  std::string renderStats() const;
  // The running proxy (tests, the status API).
  proxy::ProxyServer& proxyForTest() { return *proxy_; }

 private:
  struct Service {
    std::string set;         // endpoint set; "" for an apex
    std::string workload;    // the canary's target (apex only)
    uint16_t port = 0;
    uint16_t directPort = 0;
  };
  struct Namespace {
    std::map<std::string, Service> services;     // by name
    std::map<std::string, nlohmann::json> routes;  // apex name -> routes
  };

  Mesh() = default;
  Status loadState();
  Status saveState() const;
  // Renders the proxy config from the model.
  Result<proxy::ProxyConfig> render() const;
  // Renders, applies and persists; on error the model is rolled back by the caller.
  Status commit();
  std::string listenerName(const std::string& ns, const std::string& service) const;

  MeshOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Namespace> namespaces_;
  std::map<std::string, std::vector<proxy::Endpoint>> endpoints_;  // "ns/set" -> endpoints
  uint16_t meshPort_ = 0;
  uint16_t adminPort_ = 0;
  std::unique_ptr<http::HttpServer> unknownHost_;  // answers 404 for hosts the mesh does not know
  std::unique_ptr<proxy::ProxyServer> proxy_;
};

}  // namespace aviary::platform::local
