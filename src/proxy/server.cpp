#include "proxy/server.h"

#include "proxy/admin_guard.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstring>

namespace aviary::proxy {

namespace asio = boost::asio;

namespace {
// A non-blocking SO_REUSEPORT listening socket on `ep`: the fd, or -errno.
int listenOn(asio::ip::tcp::endpoint& ep) {
  const int fd = ::socket(ep.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  const int one = 1;
  socklen_t len = static_cast<socklen_t>(ep.capacity());
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 || ::bind(fd, ep.data(), ep.size()) != 0 ||
      ::listen(fd, 1024) != 0 || ::getsockname(fd, ep.data(), &len) != 0) {
    const int err = errno;
    ::close(fd);
    return -err;
  }
  ep.resize(len);
  return fd;
}
}  // namespace

Result<std::unique_ptr<ProxyServer>> ProxyServer::start(ProxyConfig config) {
  if (Status s = checkAdminExposure(config.admin); !s.ok()) return s.error();
  std::unique_ptr<ProxyServer> server(new ProxyServer());
  const size_t workers = config.workers;
  auto snap = Snapshot::build(config, workers);
  if (!snap.ok()) return snap.error();
  server->store_.set(snap.value());
  for (size_t i = 0; i < workers; ++i) {
    server->workers_.push_back(std::make_unique<Worker>(i, server->store_, server->stats_));
    if (int err = server->workers_.back()->error(); err != 0) {
      return makeError(ErrorCode::Unavailable, std::string("cannot create the worker's event loop: ") + std::strerror(err),
                       "workers");
    }
  }
  if (Status s = server->bindListeners(config); !s.ok()) return s.error();
  // Publish the config with the ports actually bound, so GET /config shows them.
  for (size_t i = 0; i < config.listeners.size(); ++i) config.listeners[i].port = server->ports_[i];
  auto bound = Snapshot::build(config, workers);
  if (!bound.ok()) return bound.error();
  server->store_.set(bound.value());
  for (auto& w : server->workers_) w->start();
  if (config.admin.enabled) {
    if (Status s = server->startAdmin(config.admin); !s.ok()) {
      server->stop();
      return s.error();
    }
  }
  return server;
}

ProxyServer::~ProxyServer() { stop(); }

void ProxyServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (admin_) admin_->stop();
  for (auto& w : workers_) w->stop();
}

Status ProxyServer::bindListeners(const ProxyConfig& config) {
  for (size_t l = 0; l < config.listeners.size(); ++l) {
    const ListenerConfig& lc = config.listeners[l];
    uint16_t port = lc.port;
    for (auto& worker : workers_) {
      boost::system::error_code ec;
      asio::ip::tcp::endpoint ep(asio::ip::make_address(lc.address, ec), port);
      const int fd = ec ? -EINVAL : listenOn(ep);
      if (fd < 0) {
        return makeError(ErrorCode::Unavailable,
                         "cannot listen on " + lc.address + ":" + std::to_string(port) + ": " + std::strerror(-fd),
                         "listeners[" + std::to_string(l) + "]");
      }
      port = ep.port();  // port 0: the other workers share the chosen port
      worker->addListener(fd, l);
    }
    ports_.push_back(port);
  }
  return okStatus();
}

ProxyConfig ProxyServer::currentConfig() const { return store_.get()->config(); }

Status ProxyServer::applyConfig(ProxyConfig config) {
  std::lock_guard lock(mu_);
  return applyLocked(std::move(config));
}

Status ProxyServer::applyLocked(ProxyConfig config) {
  const ProxyConfig current = store_.get()->config();
  ErrorList errors;
  if (config.workers != current.workers) {
    errors.push_back(makeError(ErrorCode::Invalid,
                               "cannot change at runtime (running with " + std::to_string(current.workers) + ")", "workers"));
  }
  if (config.listeners.size() != current.listeners.size()) {
    errors.push_back(makeError(ErrorCode::Invalid, "the set of listeners cannot change at runtime", "listeners"));
  } else {
    for (size_t i = 0; i < config.listeners.size(); ++i) {
      ListenerConfig& l = config.listeners[i];
      const ListenerConfig& c = current.listeners[i];
      if (l.port == 0) l.port = c.port;
      if (l.name != c.name || l.address != c.address || l.port != c.port) {
        errors.push_back(makeError(ErrorCode::Invalid,
                                   "listener name/address/port cannot change at runtime (running " + c.name + " on " +
                                       c.address + ":" + std::to_string(c.port) + ")",
                                   "listeners[" + std::to_string(i) + "]"));
      }
    }
  }
  if (!errors.empty()) return joinErrors(errors);
  config.admin = current.admin;
  auto snap = Snapshot::build(std::move(config), workers_.size());
  if (!snap.ok()) return snap.error();
  store_.set(snap.value());
  stats_.configSwaps.add(1);
  spdlog::info("proxy: configuration applied");
  return okStatus();
}

Status ProxyServer::setRouteWeights(const std::string& listener, const std::string& route,
                                    const std::map<std::string, uint32_t>& weights) {
  std::lock_guard lock(mu_);
  ProxyConfig config = store_.get()->config();
  for (ListenerConfig& l : config.listeners) {
    if (l.name != listener) continue;
    for (RouteConfig& r : l.routes) {
      if (r.name != route) continue;
      for (const auto& [cluster, weight] : weights) {
        bool found = false;
        for (WeightedCluster& w : r.route) {
          if (w.cluster == cluster) {
            w.weight = weight;
            found = true;
          }
        }
        if (!found) {
          return makeError(ErrorCode::NotFound, "route \"" + route + "\" has no destination \"" + cluster + "\"",
                           "weights." + cluster);
        }
      }
      return applyLocked(std::move(config));
    }
    return makeError(ErrorCode::NotFound, "listener \"" + listener + "\" has no route \"" + route + "\"", "route");
  }
  return makeError(ErrorCode::NotFound, "no listener \"" + listener + "\"", "listener");
}

}  // namespace aviary::proxy
