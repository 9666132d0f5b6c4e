#pragma once
// Per-worker upstream state: endpoints (keyed by address, so state survives config swaps),
// keep-alive connection pools, load balancing and passive outlier detection. Owned and used by
// exactly one worker thread; nothing here is locked.
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proxy/event_loop.h"
#include "proxy/snapshot.h"

namespace aviary::proxy {

using SteadyTime = std::chrono::steady_clock::time_point;

struct EndpointState;

// An upstream connection's response buffer to start with (one page); it grows to the largest
// response seen and is cut back when pooled after a response above 64 KiB.
inline constexpr size_t kUpstreamBuffer = 4 * 1024;
struct UpstreamConnection;

// Closes the socket at once but frees the connection only after the current round of events,
// which may still name it (EventLoop::retire).
struct UpstreamConnectionDeleter {
  void operator()(UpstreamConnection* c) const;
};
using UpstreamConnectionPtr = std::unique_ptr<UpstreamConnection, UpstreamConnectionDeleter>;

// One connection to an endpoint. While an exchange uses it, its events go to `user`; while it
// sits in the idle pool (user == nullptr), any input or hang-up means the peer closed it or broke
// the protocol, so it is closed and dropped by the next acquire().
struct UpstreamConnection final : IoHandler {
  UpstreamConnection(EventLoop& l, std::atomic<int64_t>& g) : loop(l), gauge(g) { gauge.fetch_add(1, std::memory_order_relaxed); }
  ~UpstreamConnection() { gauge.fetch_sub(1, std::memory_order_relaxed); }
  void onIo(uint32_t events) override;

  EventLoop& loop;
  std::atomic<int64_t>& gauge;  // StatsRegistry::activeUpstream
  Stream stream;  // not open until the first exchange connects it
  std::vector<char> buf;  // response bytes; reused across requests
  size_t len = 0;
  EndpointState* endpoint = nullptr;
  IoHandler* user = nullptr;
  bool reused = false;  // taken from the idle pool (may have been closed by the peer meanwhile)
  SteadyTime idleUntil = SteadyTime::max();  // while pooled: closed by purgeIdle() after this
};

// What an endpoint address shares across the clusters that list it: connections and load.
struct EndpointState {
  boost::asio::ip::tcp::endpoint address;
  std::vector<UpstreamConnectionPtr> idle;
  uint32_t active = 0;  // requests in flight (least-request balancing)
};

// Passive outlier detection's state of one endpoint in one cluster (Envoy keeps it per cluster
// and host too): two clusters listing the same address neither count each other's errors nor
// skip an endpoint the other ejected. Keyed by cluster name, so it survives config swaps.
struct OutlierState {
  uint32_t consecutive5xx = 0;
  uint32_t consecutiveGateway = 0;
  uint32_t ejections = 0;
  SteadyTime ejectedUntil{};
  bool ejected(SteadyTime now) const { return now < ejectedUntil; }
};

// What one attempt against an endpoint produced, for outlier detection.
enum class AttemptOutcome {
  Success,        // any response below 500
  ServerError,    // 500, 501, 505...
  GatewayError,   // 502, 503, 504
  LocalFailure,   // connect failure, reset, timeout (counted as a gateway error, like Envoy)
};

class UpstreamManager {
 public:
  // `gauge` counts the connections this manager has open (shared by all workers).
  UpstreamManager(EventLoop& loop, size_t workerIndex, std::atomic<int64_t>& gauge);

  // Picks an endpoint of `cluster` that is not ejected, avoiding `avoid` when another is
  // available. nullptr when every endpoint is ejected (503 UH).
  EndpointState* choose(const Snapshot& snap, uint32_t cluster, uint64_t random, SteadyTime now,
                        const EndpointState* avoid);
  // An idle pooled connection to `ep`, or a new unconnected one (reused == false).
  UpstreamConnectionPtr acquire(EndpointState& ep);
  // Returns a connection after a complete exchange; pooled when `reusable` and the pool has room
  // (cluster.maxIdleConnections), until cluster.idleTimeout passes unused.
  void release(UpstreamConnectionPtr conn, bool reusable, const ClusterConfig& cluster);
  // Closes pooled connections whose idle timeout has passed. Called by the worker about once a
  // second, so a timeout is honoured to within that.
  void purgeIdle(SteadyTime now);
  // Updates `cluster`'s consecutive-error counters of `ep` (an endpoint choose() returned for
  // it); may eject the endpoint from that cluster. Returns true when it ejected.
  bool report(const Snapshot& snap, uint32_t cluster, EndpointState& ep, AttemptOutcome outcome, SteadyTime now);

  size_t idleConnectionsForTest() const;
  // `cluster`'s outlier state of the endpoint at `address`, or nullptr when not bound yet.
  const OutlierState* outlierForTest(const std::string& cluster, const boost::asio::ip::tcp::endpoint& address) const;

 private:
  ClusterBinding& bind(const Snapshot& snap, uint32_t cluster);

  EventLoop& loop_;
  size_t worker_;
  std::atomic<int64_t>& gauge_;
  std::map<boost::asio::ip::tcp::endpoint, std::unique_ptr<EndpointState>> endpoints_;
  std::map<std::pair<std::string, boost::asio::ip::tcp::endpoint>, std::unique_ptr<OutlierState>> outliers_;
};

}  // namespace aviary::proxy
