// The mesh keeps a small model (services, endpoints, apex routes) and renders the whole proxy
// config from it on every change: the proxy validates and swaps it atomically, keeping the
// sockets of listeners that stay (server.h applyConfig), so a change never disturbs traffic to
// other services. The rendered config goes through the proxy's own decoder, so routes set by the
// router are checked exactly as a hand-written proxy config would be.
#include "platform/local/mesh.h"

#include <netinet/in.h>
#include <re2/re2.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

namespace aviary::platform::local {

using nlohmann::json;

namespace {

constexpr char kMeshListener[] = "mesh";
constexpr char kUnknownHostCluster[] = "aviary-mesh-unknown-host";

// True when nothing listens on address:port (bound without SO_REUSEPORT, so that a port another
// live process shares with SO_REUSEPORT counts as taken too).
bool portFree(const std::string& address, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  const bool ok = ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) == 1 &&
                  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// The names a client in the cluster could use for `service` in `ns`, with or without the service
// port, case-insensitive (host names are).
std::string hostRegex(const std::string& ns, const std::string& service, uint16_t port) {
  const std::string s = RE2::QuoteMeta(service), n = RE2::QuoteMeta(ns);
  return "(?i)(" + s + "|" + s + "\\." + n + "|" + s + "\\." + n + "\\.svc|" + s + "\\." + n +
         "\\.svc\\.cluster\\.local)(:" + std::to_string(port) + ")?";
}

// `routes` with every match entry also requiring `authority` (a route without matches gets one),
// their names prefixed with `service` (route names are unique per listener, and the mesh
// listener holds the routes of every service).
json withAuthority(const json& routes, const std::string& authority, const std::string& service) {
  json out = routes;
  for (json& r : out) {
    r["name"] = service + "/" + r.value("name", "");
    if (!r.contains("match") || r["match"].empty()) r["match"] = json::array({json::object()});
    for (json& m : r["match"]) m["authority"] = {{"regex", authority}};
  }
  return out;
}

std::string endpointText(const proxy::Endpoint& e) {
  return (e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

// Istio retries a request whose route sets no `retries` (its DefaultPolicy: 2 retries on another
// endpoint when the connection fails or is refused), so a replica that has just stopped — its
// endpoint still listed until the next sync — costs no request. Istio's default also retries 503
// responses; the local mesh does not, so that a workload's own 503s reach the analysis as they are
// (docs/local-platform.md). `retries: {attempts: 0}` turns retrying off, as in Istio.
json withDefaultRetries(json routes) {
  for (json& r : routes) {
    if (r.is_object() && !r.contains("retries"))
      r["retries"] = {{"attempts", 2}, {"retryOn", "connect-failure,refused-stream"}};
  }
  return routes;
}

}  // namespace

std::string Mesh::clusterName(const std::string& ns, const std::string& service) { return service + "." + ns; }

std::string Mesh::listenerName(const std::string& ns, const std::string& service) const {
  return "svc:" + service + "." + ns;
}

Result<std::unique_ptr<Mesh>> Mesh::start(MeshOptions options) {
  if (options.stateDir.empty()) return makeError(ErrorCode::Invalid, "the mesh needs a state directory", "stateDir");
  std::error_code ec;
  std::filesystem::create_directories(options.stateDir, ec);
  if (ec) return makeError(ErrorCode::Unavailable, "cannot create " + options.stateDir + ": " + ec.message(), "stateDir");
  std::unique_ptr<Mesh> mesh(new Mesh());
  mesh->options_ = options;
  if (Status s = mesh->loadState(); !s.ok()) return s.error();
  if (options.meshPort != 0) mesh->meshPort_ = options.meshPort;
  if (options.adminPort != 0) mesh->adminPort_ = options.adminPort;
  // The proxy binds with SO_REUSEPORT (one socket per worker), which another process of the same
  // user can share silently: a second `aviary run` on a taken mesh port would split the
  // connections with the first. So a port is checked first: a port asked for is an error, the
  // last run's port is replaced by a free one.
  for (auto [port, asked, what] : {std::tuple{&mesh->meshPort_, options.meshPort != 0, "mesh port (--mesh-port)"},
                                   std::tuple{&mesh->adminPort_, options.adminPort != 0, "admin port"}}) {
    if (*port == 0 || portFree(options.address, *port)) continue;
    if (asked) {
      return makeError(ErrorCode::Unavailable,
                       "cannot listen on " + options.address + ":" + std::to_string(*port) +
                           ": Address already in use (the " + what + ")");
    }
    spdlog::warn("mesh: the {} {} of the last run is taken; using another", what, *port);
    *port = 0;
  }
  for (auto& [ns, space] : mesh->namespaces_) {
    for (auto& [name, svc] : space.services) {
      if (svc.directPort != 0 && !portFree(options.address, svc.directPort)) {
        spdlog::warn("mesh: port {} of service {}.{} is taken; the service gets another port", svc.directPort, name, ns);
        svc.directPort = 0;
      }
    }
  }
  auto unknown = http::HttpServer::start("127.0.0.1", 0, [m = mesh.get()](const http::ServerRequest& r) {
    std::string known;
    {
      std::lock_guard lock(m->mu_);
      for (const auto& [ns, space] : m->namespaces_) {
        for (const auto& [name, svc] : space.services) known += (known.empty() ? "" : ", ") + name + "." + ns;
      }
    }
    return http::ServerResponse::text(404, "no service named \"" + r.header("host") + "\" in the aviary mesh (known: " +
                                               (known.empty() ? "none" : known) + ")\n");
  });
  if (!unknown.ok()) return unknown.error();
  mesh->unknownHost_ = std::move(unknown.value());
  std::lock_guard lock(mesh->mu_);
  auto config = mesh->render();
  if (!config.ok()) return config.error();
  config->admin.address = options.address;
  config->admin.port = mesh->adminPort_;
  auto proxy = proxy::ProxyServer::start(std::move(config.value()));
  if (!proxy.ok()) return proxy.error();
  mesh->proxy_ = std::move(proxy.value());
  mesh->meshPort_ = mesh->proxy_->listenerPort(kMeshListener);
  mesh->adminPort_ = mesh->proxy_->adminPort();
  for (auto& [ns, space] : mesh->namespaces_) {
    for (auto& [name, svc] : space.services) svc.directPort = mesh->proxy_->listenerPort(mesh->listenerName(ns, name));
  }
  if (Status s = mesh->saveState(); !s.ok()) return s.error();
  spdlog::info("mesh: listening on {}:{} (admin {})", options.address, mesh->meshPort_, mesh->adminPort_);
  return mesh;
}

Mesh::~Mesh() {
  if (proxy_) proxy_->stop();
  if (unknownHost_) unknownHost_->stop();
}

Result<proxy::ProxyConfig> Mesh::render() const {
  json meshRoutes = json::array();
  json listeners = json::array();
  json clusters = json::array();
  for (const auto& [ns, space] : namespaces_) {
    for (const auto& [name, svc] : space.services) {
      json routes;
      if (svc.set.empty()) {
        auto it = space.routes.find(name);
        routes = it == space.routes.end() ? json::array() : it->second;
      } else {
        routes = json::array({{{"name", name + "." + ns},
                               {"route", json::array({{{"cluster", clusterName(ns, name)}}})},
                               {"timeout", "0s"}}});
        json endpoints = json::array();
        if (auto e = endpoints_.find(ns + "/" + svc.set); e != endpoints_.end()) {
          for (const proxy::Endpoint& ep : e->second) endpoints.push_back(endpointText(ep));
        }
        clusters.push_back({{"name", clusterName(ns, name)},
                            {"endpoints", endpoints},
                            {"workload", {{"name", svc.set}, {"namespace", ns}, {"app", svc.set},
                                          {"service", name}, {"serviceNamespace", ns}}}});
      }
      routes = withDefaultRetries(std::move(routes));
      for (const json& r : withAuthority(routes, hostRegex(ns, name, svc.port), name + "." + ns)) meshRoutes.push_back(r);
      listeners.push_back({{"name", listenerName(ns, name)},
                           {"address", options_.address},
                           {"port", svc.directPort},
                           {"routes", routes}});
    }
  }
  meshRoutes.push_back({{"name", "unknown-host"}, {"route", json::array({{{"cluster", kUnknownHostCluster}}})}});
  clusters.push_back({{"name", kUnknownHostCluster},
                      {"endpoints", json::array({"127.0.0.1:" + std::to_string(unknownHost_->port())})},
                      {"workload", {{"name", kUnknownHostCluster}, {"namespace", "aviary"}}}});
  listeners.insert(listeners.begin(),
                   json{{"name", kMeshListener}, {"address", options_.address}, {"port", meshPort_}, {"routes", meshRoutes}});
  const json config = {{"workers", options_.workers}, {"listeners", listeners}, {"clusters", clusters}};
  return proxy::decodeProxyConfig(config.dump(1), "mesh config");
}

Status Mesh::commit() {
  auto config = render();
  if (!config.ok()) return config.error();
  if (Status s = proxy_->applyConfig(std::move(config.value())); !s.ok()) return s;
  for (auto& [ns, space] : namespaces_) {
    for (auto& [name, svc] : space.services) svc.directPort = proxy_->listenerPort(listenerName(ns, name));
  }
  return saveState();
}

// Every change below follows one pattern: copy the part of the model it touches, change it,
// commit; on error restore the copy, so that a refused change leaves the model as the proxy runs it.
Status Mesh::declareCanary(const std::string& ns, const std::string& apex, const std::string& workload, uint16_t port,
                           const json& initialRoutes) {
  std::lock_guard lock(mu_);
  Namespace& space = namespaces_[ns];
  auto same = [&](const std::string& name, const std::string& set) {
    auto it = space.services.find(name);
    return it != space.services.end() && it->second.set == set && it->second.port == port &&
           (!set.empty() || it->second.workload == workload);
  };
  if (same(apex, "") && same(apex + "-primary", workload + "-primary") && same(apex + "-canary", workload) &&
      space.routes.count(apex) != 0) {
    return okStatus();  // every tick reconciles: no change, no config swap
  }
  const auto saved = namespaces_;
  auto declare = [&](const std::string& name, const std::string& set) {
    Service& svc = space.services[name];
    svc.set = set;
    svc.port = port;
    if (set.empty()) svc.workload = workload;
  };
  declare(apex, "");
  declare(apex + "-primary", workload + "-primary");
  declare(apex + "-canary", workload);
  if (space.routes.count(apex) == 0 && !initialRoutes.is_null()) {
    space.routes[apex] = initialRoutes;
  } else if (space.routes.count(apex) == 0) {
    space.routes[apex] = json::array({{{"name", apex},
                                       {"route", json::array({{{"cluster", clusterName(ns, apex + "-primary")}, {"weight", 100}},
                                                              {{"cluster", clusterName(ns, apex + "-canary")}, {"weight", 0}}})},
                                       {"timeout", "0s"}}});
  }
  if (Status s = commit(); !s.ok()) {
    namespaces_ = saved;
    return s;
  }
  return okStatus();
}

Status Mesh::declareService(const std::string& ns, const std::string& name, uint16_t port) {
  std::lock_guard lock(mu_);
  auto& services = namespaces_[ns].services;
  if (auto it = services.find(name); it != services.end() && it->second.set == name && it->second.port == port) {
    return okStatus();
  }
  const auto saved = namespaces_;
  Service& svc = namespaces_[ns].services[name];
  svc.set = name;
  svc.port = port;
  svc.workload.clear();
  if (Status s = commit(); !s.ok()) {
    namespaces_ = saved;
    return s;
  }
  return okStatus();
}

Status Mesh::removeServices(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end() || it->second.services.count(name) == 0) return okStatus();
  const auto saved = namespaces_;
  Namespace& space = it->second;
  const bool apex = space.services[name].set.empty();
  space.services.erase(name);
  space.routes.erase(name);
  if (apex) {
    space.services.erase(name + "-primary");
    space.services.erase(name + "-canary");
  }
  if (space.services.empty()) namespaces_.erase(it);
  if (Status s = commit(); !s.ok()) {
    namespaces_ = saved;
    return s;
  }
  return okStatus();
}

Status Mesh::setEndpoints(const std::string& ns, const std::string& set, std::vector<proxy::Endpoint> endpoints) {
  std::lock_guard lock(mu_);
  const std::string key = ns + "/" + set;
  auto it = endpoints_.find(key);
  if (it != endpoints_.end() && it->second.size() == endpoints.size() &&
      std::equal(endpoints.begin(), endpoints.end(), it->second.begin(),
                 [](const auto& a, const auto& b) { return a.host == b.host && a.port == b.port; })) {
    return okStatus();
  }
  const auto saved = endpoints_;
  endpoints_[key] = std::move(endpoints);
  if (Status s = commit(); !s.ok()) {
    endpoints_ = saved;
    return s;
  }
  return okStatus();
}

Status Mesh::setApexRoutes(const std::string& ns, const std::string& apex, json routes) {
  std::lock_guard lock(mu_);
  auto space = namespaces_.find(ns);
  if (space == namespaces_.end() || space->second.routes.count(apex) == 0) {
    return makeError(ErrorCode::NotFound, "no canary service " + apex + "." + ns + " in the mesh");
  }
  if (!routes.is_array()) return makeError(ErrorCode::Invalid, "expected a list of routes, found " + routes.dump());
  for (size_t i = 0; i < routes.size(); ++i) {
    const json& r = routes[i];
    if (!r.is_object() || !r.contains("match")) continue;
    for (size_t m = 0; m < r["match"].size(); ++m) {
      if (r["match"][m].is_object() && r["match"][m].contains("authority")) {
        return makeError(ErrorCode::Invalid,
                         "authority matches are not supported by the local mesh (it routes by host itself)",
                         "routes[" + std::to_string(i) + "].match[" + std::to_string(m) + "].authority");
      }
    }
  }
  json& current = space->second.routes[apex];
  if (current == routes) return okStatus();
  json saved = current;
  current = std::move(routes);
  if (Status s = commit(); !s.ok()) {
    space->second.routes[apex] = std::move(saved);
    return makeError(s.error().code, "the routes of " + apex + "." + ns + " do not fit the mesh: " + s.error().message);
  }
  return okStatus();
}

Result<json> Mesh::apexRoutes(const std::string& ns, const std::string& apex) const {
  std::lock_guard lock(mu_);
  auto space = namespaces_.find(ns);
  if (space != namespaces_.end()) {
    if (auto it = space->second.routes.find(apex); it != space->second.routes.end()) return it->second;
  }
  return makeError(ErrorCode::NotFound, "no canary service " + apex + "." + ns + " in the mesh");
}

bool Mesh::servesHost(std::string_view authority) const {
  std::string host(authority);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string port;
  if (const size_t colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  std::lock_guard lock(mu_);
  for (const auto& [ns, space] : namespaces_) {
    for (const auto& [name, svc] : space.services) {
      if (!port.empty() && port != std::to_string(svc.port)) continue;
      const std::string n = name;
      if (host == n || host == n + "." + ns || host == n + "." + ns + ".svc" || host == n + "." + ns + ".svc.cluster.local") {
        return true;
      }
    }
  }
  return false;
}

std::string Mesh::proxyFor(std::string_view url) const {
  if (url.size() < 7 || url.substr(0, 7) != "http://") return "";
  std::string_view authority = url.substr(7);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  return servesHost(authority) ? proxyUrl() : "";
}

std::vector<ServiceInfo> Mesh::services() const {
  std::lock_guard lock(mu_);
  std::vector<ServiceInfo> out;
  for (const auto& [ns, space] : namespaces_) {
    for (const auto& [name, svc] : space.services) out.push_back({ns, name, svc.set, svc.port, svc.directPort});
  }
  return out;
}

uint16_t Mesh::meshPort() const {
  std::lock_guard lock(mu_);
  return meshPort_;
}

uint16_t Mesh::adminPort() const {
  std::lock_guard lock(mu_);
  return adminPort_;
}

std::string Mesh::proxyUrl() const { return "http://" + options_.address + ":" + std::to_string(meshPort()); }

std::string Mesh::renderStats() const { return proxy_->renderStats(); }

}  // namespace aviary::platform::local
