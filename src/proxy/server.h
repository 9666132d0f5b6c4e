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

  // Bound ports (useful with port 0) of the current config's listeners, by position or name (0 when
  // there is no such listener). adminPort() is 0 when the admin API is disabled.
  uint16_t listenerPort(size_t index) const;
  uint16_t listenerPort(const std::string& name) const;
  uint16_t adminPort() const { return admin_ ? admin_->port() : 0; }

  // Replaces the routing configuration; `admin` is ignored and the worker count must be unchanged.
  // Listeners are matched by name: a listener kept must keep its address and port (port 0 = keep
  // the bound one) and keeps its sockets; a new listener is bound on every worker (port 0 = any
  // free port; listenerPort() tells which); a listener no longer named is closed on every worker
  // (its connections finish the request under way; see Worker::removeListener). When this
  // returns, new listeners accept and removed ones are closed. Nothing changes on error
  // (Invalid: the config; Unavailable: an address that cannot be bound).
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
  // Binds `lc` once per worker (SO_REUSEPORT) into `fds`; sets lc.port to the port bound.
  Status bindListener(ListenerConfig& lc, const std::string& path, std::vector<int>& fds);
  Status startAdmin(const AdminConfig& admin);
  http::ServerResponse handleAdmin(const http::ServerRequest& req);

  mutable std::mutex mu_;  // serialises config changes
  ConfigStore store_;
  StatsRegistry stats_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<AdminGuard> guard_;  // set before admin_ starts, read by its threads only
  std::unique_ptr<http::HttpServer> admin_;
  bool stopped_ = false;
};

}  // namespace aviary::proxy
