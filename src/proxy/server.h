#pragma once
// ProxyServer: the embeddable proxy. Binds every listener once per worker (SO_REUSEPORT, so the
// kernel spreads connections), runs the workers, serves the admin API, and swaps configurations
// atomically (requests in flight finish on the config they started with; connections stay open).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/http_server.h"
#include "proxy/config.h"
#include "proxy/stats.h"
#include "proxy/worker.h"

namespace aviary::proxy {

class AdminGuard;

class ProxyServer {
 public:
  // Validates and compiles `config`, binds listeners and the admin API, starts the workers.
  // Errors: Invalid (bad config, with every problem listed; an admin API beyond loopback without
  // a token, see checkAdminExposure), Io (admin.tokenFile), Unavailable (an address can't be bound).
  static Result<std::unique_ptr<ProxyServer>> start(ProxyConfig config);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  // Stops accepting, closes connections, joins the workers and the admin server. Idempotent.
  void stop();

  // Bound ports (useful with port 0). adminPort() is 0 when the admin API is disabled.
  uint16_t listenerPort(size_t index) const { return ports_.at(index); }
  uint16_t adminPort() const { return admin_ ? admin_->port() : 0; }

  // Replaces the routing configuration. Listeners (names, addresses, ports) and the worker count
  // are fixed at start and must be unchanged; `admin` is ignored. Nothing changes on error.
  Status applyConfig(ProxyConfig config);
  // Sets the weights of one route's destinations (cluster name → weight); unnamed destinations
  // keep theirs; the result must still sum to 100. Errors name the listener/route/cluster.
  Status setRouteWeights(const std::string& listener, const std::string& route,
                         const std::map<std::string, uint32_t>& weights);

  ProxyConfig currentConfig() const;
  std::string renderStats() const { return stats_.renderPrometheus(); }

 private:
  ProxyServer() = default;
  Status applyLocked(ProxyConfig config);
  Status bindListeners(const ProxyConfig& config);
  Status startAdmin(const AdminConfig& admin);
  http::ServerResponse handleAdmin(const http::ServerRequest& req);

  mutable std::mutex mu_;  // serialises config changes
  ConfigStore store_;
  StatsRegistry stats_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<uint16_t> ports_;
  std::unique_ptr<AdminGuard> guard_;  // set before admin_ starts, read by its threads only
  std::unique_ptr<http::HttpServer> admin_;
  bool stopped_ = false;
};

}  // namespace aviary::proxy
