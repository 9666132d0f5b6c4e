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


void closeAll(const std::vector<std::vector<int>>& fds) {
  for (const auto& perListener : fds) {
    for (int fd : perListener) ::close(fd);
  }
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
  std::vector<std::vector<int>> fds(config.listeners.size());
  for (size_t l = 0; l < config.listeners.size(); ++l) {
    if (Status s = server->bindListener(config.listeners[l], "listeners[" + std::to_string(l) + "]", fds[l]); !s.ok()) {
      closeAll(fds);
      return s.error();
    }
  }
  // Publish the config with the ports actually bound, so GET /config shows them.
  auto bound = Snapshot::build(config, workers);
  if (!bound.ok()) {
    closeAll(fds);
    return bound.error();
  }
  server->store_.set(bound.value());
  for (size_t l = 0; l < fds.size(); ++l) {
    auto name = std::make_shared<const std::string>(config.listeners[l].name);
    for (size_t w = 0; w < workers; ++w) server->workers_[w]->addListener(fds[l][w], name);
  }
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

Status ProxyServer::bindListener(ListenerConfig& lc, const std::string& path, std::vector<int>& fds) {
  uint16_t port = lc.port;
  for (size_t w = 0; w < workers_.size(); ++w) {
    boost::system::error_code ec;
    asio::ip::tcp::endpoint ep(asio::ip::make_address(lc.address, ec), port);
    const int fd = ec ? -EINVAL : listenOn(ep);
    if (fd < 0) {
      for (int f : fds) ::close(f);
      fds.clear();
      return makeError(ErrorCode::Unavailable,
                       "cannot listen on " + lc.address + ":" + std::to_string(port) + ": " + std::strerror(-fd), path);
    }
    port = ep.port();  // port 0: the other workers share the chosen port
    fds.push_back(fd);
  }
  lc.port = port;
  return okStatus();
}

uint16_t ProxyServer::listenerPort(size_t index) const {
  const SnapshotPtr snap = store_.get();
  const auto& listeners = snap->config().listeners;
  return index < listeners.size() ? listeners[index].port : 0;
}

uint16_t ProxyServer::listenerPort(const std::string& name) const {
  const SnapshotPtr snap = store_.get();
  const int index = snap->listenerIndex(name);
  return index < 0 ? 0 : snap->config().listeners[static_cast<size_t>(index)].port;
}

ProxyConfig ProxyServer::currentConfig() const { return store_.get()->config(); }

Status ProxyServer::applyConfig(ProxyConfig config) {
  std::lock_guard lock(mu_);
  return applyLocked(std::move(config));
}

// Order matters for the connections of the listeners that change: new sockets are bound before
// anything is published (so a bind failure changes nothing) but handed to the workers only after
// the config naming them is published, since a session looks its listener up by name in the
// config its request uses; removed sockets are closed after the config without them is out.
Status ProxyServer::applyLocked(ProxyConfig config) {
  const SnapshotPtr currentSnap = store_.get();
  const ProxyConfig& current = currentSnap->config();
  ErrorList errors;
  if (config.workers != current.workers) {
    errors.push_back(makeError(ErrorCode::Invalid,
                               "cannot change at runtime (running with " + std::to_string(current.workers) + ")", "workers"));
  }
  std::vector<size_t> added;
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    ListenerConfig& l = config.listeners[i];
    const int at = currentSnap->listenerIndex(l.name);
    if (at < 0) {
      added.push_back(i);
      continue;
    }
    const ListenerConfig& c = current.listeners[static_cast<size_t>(at)];
    if (l.port == 0) l.port = c.port;
    if (l.address != c.address || l.port != c.port) {
      errors.push_back(makeError(ErrorCode::Invalid,
                                 "listener address/port cannot change at runtime (running " + c.name + " on " + c.address +
                                     ":" + std::to_string(c.port) + "); add it under another name instead",
                                 "listeners[" + std::to_string(i) + "]"));
    }
  }
  if (!errors.empty()) return joinErrors(errors);
  config.admin = current.admin;
  ErrorList invalid;
  validateProxyConfig(config, invalid);
  if (!invalid.empty()) return joinErrors(invalid);
  std::vector<std::vector<int>> fds(added.size());
  for (size_t a = 0; a < added.size(); ++a) {
    const std::string path = "listeners[" + std::to_string(added[a]) + "]";
    if (Status s = bindListener(config.listeners[added[a]], path, fds[a]); !s.ok()) {
      closeAll(fds);
      return s;
    }
  }
  std::vector<std::string> removed;
  for (const ListenerConfig& c : current.listeners) {
    bool kept = false;
    for (const ListenerConfig& l : config.listeners) kept = kept || l.name == c.name;
    if (!kept) removed.push_back(c.name);
  }
  auto snap = Snapshot::build(config, workers_.size());
  if (!snap.ok()) {
    closeAll(fds);
    return snap.error();
  }
  store_.set(snap.value());
  for (size_t a = 0; a < added.size(); ++a) {
    auto name = std::make_shared<const std::string>(config.listeners[added[a]].name);
    for (size_t w = 0; w < workers_.size(); ++w) workers_[w]->addListener(fds[a][w], name);
  }
  for (const std::string& name : removed) {
    for (auto& w : workers_) w->removeListener(name);
  }
  if (!added.empty() || !removed.empty()) {
    for (auto& w : workers_) w->waitListenerChanges();
    spdlog::info("proxy: {} listener(s) added, {} removed", added.size(), removed.size());
  }
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
