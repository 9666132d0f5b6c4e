#pragma once
// Snapshot: an immutable, compiled ProxyConfig (regexes compiled, cluster names resolved to
// indexes, endpoint addresses resolved, telemetry label sets rendered). Workers read the current
// snapshot through a shared_ptr; a config swap publishes a new one and requests already running
// keep theirs until they finish (RCU style).
#include <re2/re2.h>

#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "proxy/config.h"
#include "proxy/http_parser.h"
#include "proxy/stats.h"

namespace aviary::proxy {

struct CompiledStringMatch {
  StringMatch::Kind kind = StringMatch::Kind::Exact;
  std::string value;
  std::shared_ptr<const RE2> re;  // Regex only
  bool matches(std::string_view s) const;
};

struct CompiledNamedMatch {
  std::string name;
  CompiledStringMatch match;
};

struct CompiledMatch {
  std::optional<CompiledStringMatch> uri;
  std::optional<CompiledStringMatch> method;
  std::optional<CompiledStringMatch> authority;
  std::vector<CompiledNamedMatch> headers;
  std::vector<CompiledNamedMatch> withoutHeaders;
  std::vector<CompiledNamedMatch> queryParams;
  std::vector<CompiledNamedMatch> cookies;
  bool ignoreUriCase = false;
};

struct CompiledDestination {
  uint32_t cluster = 0;     // index into Snapshot::clusters
  uint32_t cumulative = 0;  // running sum of weights up to and including this one
  const HeaderPolicy* headers = nullptr;
};

struct CompiledRoute {
  const RouteConfig* config = nullptr;
  std::vector<CompiledMatch> matches;
  std::vector<CompiledDestination> destinations;
  uint32_t totalWeight = 0;
  int mirrorCluster = -1;
  uint32_t mirrorPerMillion = 0;  // mirror percentage * 10^4
};

struct CompiledListener {
  const ListenerConfig* config = nullptr;
  std::vector<CompiledRoute> routes;
  std::vector<LabelSetPtr> labels;  // per cluster index: the Istio label values
  // Per cluster index, with reporter="source": for 503 UH (no healthy upstream), an answer no
  // destination ever saw — Istio's client sidecar reports it, the destination's does not, so that
  // Flagger's destination-reported checks do not count it against the workload.
  std::vector<LabelSetPtr> sourceLabels;
  LabelSetPtr unknownDestination;   // for requests that matched no route
};

struct CompiledCluster {
  const ClusterConfig* config = nullptr;
  std::vector<boost::asio::ip::tcp::endpoint> addresses;  // parallel to config->endpoints
};

// Per-worker, lazily filled view of a snapshot's clusters (see upstream.h). Only the owning
// worker touches its slot, so no locking.
struct EndpointState;
struct OutlierState;
struct ClusterBinding {
  std::vector<EndpointState*> endpoints;
  std::vector<OutlierState*> outliers;  // parallel to endpoints: this cluster's view of each
  uint32_t next = 0;  // round-robin cursor
};
struct WorkerBinding {
  bool bound = false;
  std::vector<ClusterBinding> clusters;
};

// What route matching needs to see of a request.
struct RequestView {
  const char* base;
  const MessageHead* head;
  std::string_view path() const;  // target without the query string ("/" for an empty one)
  // The request's authority: an absolute-form target's, else the Host header's.
  std::optional<std::string_view> host() const;
  // First value of a header (case-insensitive name), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  // Value of a cookie from the Cookie header(s), or nullopt.
  std::optional<std::string_view> cookie(std::string_view name) const;
  // Raw value of a query parameter, or nullopt.
  std::optional<std::string_view> queryParam(std::string_view name) const;
};

class Snapshot {
 public:
  // Compiles a validated config. Resolves endpoint host names (blocking; control plane only).
  static Result<std::shared_ptr<const Snapshot>> build(ProxyConfig config, size_t workers);

  const ProxyConfig& config() const { return config_; }
  const std::vector<CompiledListener>& listeners() const { return listeners_; }
  const std::vector<CompiledCluster>& clusters() const { return clusters_; }
  WorkerBinding& bindingForWorker(size_t worker) const { return *bindings_[worker]; }
  // Index of the listener named `name` in listeners(), or -1.
  int listenerIndex(std::string_view name) const;

  // First route of the listener whose match holds, or nullptr (404 NR). `which` (optional)
  // receives the match entry that held (nullptr for a route without conditions).
  static const CompiledRoute* match(const CompiledListener& listener, const RequestView& req,
                                    const CompiledMatch** which = nullptr);
  // The request target after the route's rewrite.uri (see config.h Rewrite), into `out`.
  static void rewriteTarget(std::string_view target, const Rewrite& rewrite, const CompiledMatch* which,
                            std::string& out);
  // Weighted choice; `random` is any uniformly distributed 64-bit value.
  static const CompiledDestination& pick(const CompiledRoute& route, uint64_t random);

 private:
  ProxyConfig config_;
  std::vector<CompiledListener> listeners_;
  std::vector<CompiledCluster> clusters_;
  std::vector<std::unique_ptr<WorkerBinding>> bindings_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace aviary::proxy
