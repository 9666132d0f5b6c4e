#pragma once
// Per-worker upstream state: endpoints (keyed by address, so state survives config swaps),
// keep-alive connection pools, load balancing and passive outlier detection. Owned and used by
// exactly one worker thread; nothing here is locked.
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <vector>

#include "proxy/event_loop.h"
#include "proxy/snapshot.h"

namespace aviary::proxy {

using SteadyTime = std::chrono::steady_clock::time_point;

struct EndpointState;
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
  explicit UpstreamConnection(EventLoop& l) : loop(l) {}
  void onIo(uint32_t events) override;

  EventLoop& loop;
  Stream stream;  // not open until the first exchange connects it
  std::vector<char> buf;  // response bytes; reused across requests
  size_t len = 0;
  EndpointState* endpoint = nullptr;
  IoHandler* user = nullptr;
  bool reused = false;  // taken from the idle pool (may have been closed by the peer meanwhile)
};

struct EndpointState {
  boost::asio::ip::tcp::endpoint address;
  std::vector<UpstreamConnectionPtr> idle;
  uint32_t active = 0;  // requests in flight (least-request balancing)
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
  UpstreamManager(EventLoop& loop, size_t workerIndex);

  // Picks an endpoint of `cluster` that is not ejected, avoiding `avoid` when another is
  // available. nullptr when every endpoint is ejected (503 UH).
  EndpointState* choose(const Snapshot& snap, uint32_t cluster, uint64_t random, SteadyTime now,
                        const EndpointState* avoid);
  // An idle pooled connection to `ep`, or a new unconnected one (reused == false).
  UpstreamConnectionPtr acquire(EndpointState& ep);
  // Returns a connection after a complete exchange; pooled when `reusable` and the pool has room.
  void release(UpstreamConnectionPtr conn, bool reusable, uint32_t maxIdle);
  // Updates consecutive-error counters; may eject the endpoint. Returns true when it ejected.
  bool report(const Snapshot& snap, uint32_t cluster, EndpointState& ep, AttemptOutcome outcome, SteadyTime now);

  size_t idleConnectionsForTest() const;

 private:
  ClusterBinding& bind(const Snapshot& snap, uint32_t cluster);

  EventLoop& loop_;
  size_t worker_;
  std::map<boost::asio::ip::tcp::endpoint, std::unique_ptr<EndpointState>> endpoints_;
};

}  // namespace aviary::proxy
