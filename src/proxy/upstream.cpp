#include "proxy/upstream.h"

#include <algorithm>
#include <cassert>

namespace aviary::proxy {

void UpstreamConnectionDeleter::operator()(UpstreamConnection* c) const {
  c->stream.close();  // a later event of this round then stops in onIo, never reaching `user`
  c->loop.retire(std::shared_ptr<UpstreamConnection>(c));
}

void UpstreamConnection::onIo(uint32_t events) {
  if (!stream.isOpen()) return;  // closed earlier in this round
  stream.onEvents(events);
  if (user != nullptr) {
    user->onIo(events);
  } else if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    stream.close();  // idle: the peer closed it (or sent something unasked)
  }
}

UpstreamManager::UpstreamManager(EventLoop& loop, size_t workerIndex, std::atomic<int64_t>& gauge)
    : loop_(loop), worker_(workerIndex), gauge_(gauge) {}

ClusterBinding& UpstreamManager::bind(const Snapshot& snap, uint32_t cluster) {
  WorkerBinding& wb = snap.bindingForWorker(worker_);
  if (!wb.bound) {
    // First use of this snapshot on this worker: map its endpoints to our (persistent) states.
    wb.clusters.resize(snap.clusters().size());
    for (size_t c = 0; c < snap.clusters().size(); ++c) {
      const std::string& name = snap.clusters()[c].config->name;
      for (const auto& addr : snap.clusters()[c].addresses) {
        auto& slot = endpoints_[addr];
        if (!slot) {
          slot = std::make_unique<EndpointState>();
          slot->address = addr;
        }
        auto& outlier = outliers_[{name, addr}];
        if (!outlier) outlier = std::make_unique<OutlierState>();
        wb.clusters[c].endpoints.push_back(slot.get());
        wb.clusters[c].outliers.push_back(outlier.get());
      }
    }
    wb.bound = true;
  }
  return wb.clusters[cluster];
}

EndpointState* UpstreamManager::choose(const Snapshot& snap, uint32_t cluster, uint64_t random, SteadyTime now,
                                       const EndpointState* avoid) {
  ClusterBinding& b = bind(snap, cluster);
  const size_t n = b.endpoints.size();
  if (n == 0) return nullptr;
  const bool leastRequest = snap.clusters()[cluster].config->loadBalancer == ClusterConfig::LbPolicy::LeastRequest;
  EndpointState* best = nullptr;
  EndpointState* fallback = nullptr;  // `avoid`, when it is the only healthy one
  if (leastRequest) {
    // Scan from a random start so ties spread evenly.
    size_t start = static_cast<size_t>(random % n);
    for (size_t i = 0; i < n; ++i) {
      EndpointState* ep = b.endpoints[(start + i) % n];
      if (b.outliers[(start + i) % n]->ejected(now)) continue;
      if (ep == avoid) {
        fallback = ep;
        continue;
      }
      if (best == nullptr || ep->active < best->active) best = ep;
    }
  } else {
    for (size_t i = 0; i < n && best == nullptr; ++i) {
      const size_t k = b.next++ % n;
      EndpointState* ep = b.endpoints[k];
      if (b.outliers[k]->ejected(now)) continue;
      if (ep == avoid) {
        fallback = ep;
        continue;
      }
      best = ep;
    }
  }
  return best != nullptr ? best : fallback;
}

UpstreamConnectionPtr UpstreamManager::acquire(EndpointState& ep) {
  while (!ep.idle.empty()) {
    UpstreamConnectionPtr c = std::move(ep.idle.back());
    ep.idle.pop_back();
    if (!c->stream.isOpen()) continue;  // closed by the peer while idle
    c->reused = true;
    c->len = 0;
    return c;
  }
  UpstreamConnectionPtr c(new UpstreamConnection(loop_, gauge_));
  c->endpoint = &ep;
  c->buf.resize(kUpstreamBuffer);
  return c;
}

void UpstreamManager::release(UpstreamConnectionPtr conn, bool reusable, const ClusterConfig& cluster) {
  EndpointState& ep = *conn->endpoint;
  const uint32_t maxIdle = cluster.maxIdleConnections;
  conn->user = nullptr;
  if (ep.idle.size() >= maxIdle) {  // make room: drop the ones the backend closed while idle
    std::erase_if(ep.idle, [](const UpstreamConnectionPtr& c) { return !c->stream.isOpen(); });
  }
  if (reusable && ep.idle.size() < maxIdle && conn->stream.isOpen() && !conn->stream.hangup()) {
    if (conn->buf.size() > 64 * 1024) {  // don't keep a large response buffer around
      conn->buf.resize(kUpstreamBuffer);
      conn->buf.shrink_to_fit();
    }
    conn->len = 0;
    conn->idleUntil = cluster.idleTimeout.count() > 0 ? std::chrono::steady_clock::now() + cluster.idleTimeout
                                                      : SteadyTime::max();
    ep.idle.push_back(std::move(conn));
    return;
  }
  conn.reset();
}

bool UpstreamManager::report(const Snapshot& snap, uint32_t cluster, EndpointState& ep, AttemptOutcome outcome,
                             SteadyTime now) {
  const OutlierDetection& od = snap.clusters()[cluster].config->outlierDetection;
  ClusterBinding& b = bind(snap, cluster);
  auto it = std::find(b.endpoints.begin(), b.endpoints.end(), &ep);
  assert(it != b.endpoints.end() && "report() for an endpoint of another cluster");
  if (it == b.endpoints.end()) return false;
  OutlierState& o = *b.outliers[static_cast<size_t>(it - b.endpoints.begin())];
  if (outcome == AttemptOutcome::Success) {
    o.consecutive5xx = 0;
    o.consecutiveGateway = 0;
    return false;
  }
  ++o.consecutive5xx;
  if (outcome != AttemptOutcome::ServerError) ++o.consecutiveGateway;
  bool trip = (od.consecutive5xxErrors > 0 && o.consecutive5xx >= od.consecutive5xxErrors) ||
              (od.consecutiveGatewayErrors > 0 && o.consecutiveGateway >= od.consecutiveGatewayErrors);
  if (!trip || o.ejected(now)) return false;
  size_t ejected = 0;
  for (const OutlierState* e : b.outliers) ejected += e->ejected(now) ? 1 : 0;
  // maxEjectionPercent bounds how much of the cluster may be out at once (at least one may go).
  size_t allowed = std::max<size_t>(1, b.endpoints.size() * od.maxEjectionPercent / 100);
  if (od.maxEjectionPercent == 0 || ejected >= allowed) return false;
  ++o.ejections;
  // Like Envoy: the ejection time grows with the number of times the host was ejected (max 300s).
  auto duration = std::min<Duration>(od.baseEjectionTime * o.ejections, std::max<Duration>(od.baseEjectionTime, Duration(300000)));
  o.ejectedUntil = now + duration;
  o.consecutive5xx = 0;
  o.consecutiveGateway = 0;
  return true;
}

void UpstreamManager::purgeIdle(SteadyTime now) {
  // The pool is used last-in first-out, so under steady load the surplus left by a burst sits
  // unused at the front and ages out here, while the connections in use stay warm.
  for (auto& [addr, ep] : endpoints_) {
    std::erase_if(ep->idle, [now](const UpstreamConnectionPtr& c) { return !c->stream.isOpen() || c->idleUntil <= now; });
  }
}

const OutlierState* UpstreamManager::outlierForTest(const std::string& cluster,
                                                    const boost::asio::ip::tcp::endpoint& address) const {
  auto it = outliers_.find({cluster, address});
  return it == outliers_.end() ? nullptr : it->second.get();
}

size_t UpstreamManager::idleConnectionsForTest() const {
  size_t n = 0;
  for (const auto& [addr, ep] : endpoints_) n += ep->idle.size();
  return n;
}

}  // namespace aviary::proxy
