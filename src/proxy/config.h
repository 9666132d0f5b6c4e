#pragma once
// The proxy's configuration: plain value types, decoded from YAML or JSON (config_decode.cpp),
// validated as a whole, rendered back to JSON for `GET /config`. See docs/proxy.md for every
// field. Field names follow Istio's VirtualService/DestinationRule where a counterpart exists.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/duration.h"
#include "common/result.h"

namespace aviary::proxy {

// Istio StringMatch: exactly one of exact / prefix / regex (RE2, full match).
struct StringMatch {
  enum class Kind { Exact, Prefix, Regex };
  Kind kind = Kind::Exact;
  std::string value;
};

struct NamedMatch {
  std::string name;  // header name (case-insensitive) or cookie name (case-sensitive)
  StringMatch match;
};

// One HTTPMatchRequest: all given conditions must hold.
struct RouteMatch {
  std::optional<StringMatch> uri;
  std::optional<StringMatch> method;
  std::optional<StringMatch> authority;  // the Host header
  std::vector<NamedMatch> headers;
  std::vector<NamedMatch> withoutHeaders;  // holds when the header is absent or does not match
  std::vector<NamedMatch> queryParams;     // raw (not percent-decoded) query values
  std::vector<NamedMatch> cookies;
  bool ignoreUriCase = false;  // exact/prefix uri matching ignores ASCII case
};

// Istio HTTPRewrite: replace the path (the matched prefix when the route matched by uri prefix,
// else the whole path; the query is kept) and/or the Host header.
struct Rewrite {
  std::string uri;
  std::string authority;
};

struct HeaderOperations {
  std::vector<std::pair<std::string, std::string>> set;  // replace (or add when absent)
  std::vector<std::pair<std::string, std::string>> add;  // append another line
  std::vector<std::string> remove;
};

struct HeaderPolicy {
  HeaderOperations request;
  HeaderOperations response;
};

struct WeightedCluster {
  std::string cluster;
  uint32_t weight = 0;
  HeaderPolicy headers;  // applied when this destination is chosen (session-affinity cookies)
};

struct MirrorPolicy {
  std::string cluster;
  double percentage = 100.0;  // 0-100
};

// Bits of RetryPolicy::retryOn.
enum RetryOn : uint32_t {
  kRetry5xx = 1u << 0,
  kRetryGatewayError = 1u << 1,
  kRetryConnectFailure = 1u << 2,
  kRetryRefusedStream = 1u << 3,
  kRetryReset = 1u << 4,
  kRetryRetriable4xx = 1u << 5,
};

struct RetryPolicy {
  uint32_t attempts = 0;                 // retries after the first try
  Duration perTryTimeout{0};             // 0 = only the route timeout applies
  uint32_t retryOn = 0;                  // RetryOn bits
  std::string retryOnText;               // as written, for GET /config
};

struct RouteConfig {
  std::string name;
  std::vector<RouteMatch> match;  // empty = match everything; otherwise any entry
  std::vector<WeightedCluster> route;
  std::optional<MirrorPolicy> mirror;
  std::optional<Rewrite> rewrite;
  RetryPolicy retries;
  Duration timeout{15000};  // whole request incl. retries; 0 = none
  HeaderPolicy headers;
};

// Who the traffic comes from (Istio's source_* labels).
struct SourceIdentity {
  std::string workload = "unknown";
  std::string namespace_ = "unknown";
  std::string app = "unknown";
  std::string version = "unknown";
};

struct ListenerConfig {
  std::string name;
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  std::string reporter = "destination";  // Istio `reporter` label: destination | source
  SourceIdentity source;
  std::vector<RouteConfig> routes;
};

// A cluster's workload identity (Istio's destination_* labels).
struct WorkloadIdentity {
  std::string workload;   // default: the cluster name
  std::string namespace_ = "default";
  std::string app;        // default: workload
  std::string version = "unknown";
  std::string service;    // destination_service_name; default: the cluster name
  std::string serviceNamespace;  // default: namespace_
};

struct OutlierDetection {
  uint32_t consecutive5xxErrors = 0;      // 0 = off
  uint32_t consecutiveGatewayErrors = 0;  // 502/503/504 and connect failures; 0 = off
  Duration baseEjectionTime{30000};
  uint32_t maxEjectionPercent = 100;
};

struct Endpoint {
  std::string host;  // IPv4/IPv6 literal or a name resolved when the config is loaded
  uint16_t port = 0;
};

struct ClusterConfig {
  enum class LbPolicy { RoundRobin, LeastRequest };
  std::string name;
  std::vector<Endpoint> endpoints;
  LbPolicy loadBalancer = LbPolicy::RoundRobin;
  Duration connectTimeout{1000};
  // Per worker and endpoint. At least the peak of concurrent requests to one endpoint: below
  // that, connections are closed and reopened under load (see docs/proxy.md).
  uint32_t maxIdleConnections = 1024;
  // A pooled connection unused for this long is closed (Istio's connectionPool.http.idleTimeout,
  // same default); 0 = kept until the backend closes it.
  Duration idleTimeout{3600000};
  OutlierDetection outlierDetection;
  WorkloadIdentity workload;
};

struct Limits {
  uint32_t maxRequestHeadersBytes = 60 * 1024;
  // The largest request body buffered whole before the request goes upstream (so that it can be
  // retried and mirrored), like Envoy's per-connection buffer limit.
  uint64_t maxRequestBodyBytes = 1 << 20;
  // A larger body is streamed to the backend as it arrives (Envoy's behaviour: no retry, no
  // mirror), or refused with 413 (nginx's client_max_body_size).
  enum class LargeBodies { Stream, Reject };
  LargeBodies largeRequestBodies = LargeBodies::Stream;
  uint64_t maxResponseBytes = 64ull << 20;
  Duration idleTimeout{300000};     // keep-alive connection idle / slow request head
  // A client that closes (or half-closes) its connection while its request is upstream cancels
  // that request, recorded as response code 0 with flag DC (Envoy's and nginx's behaviour).
  bool abortOnClientClose = true;
};

struct AdminConfig {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  bool enabled = true;
  std::string token;  // when set, requests need "Authorization: Bearer <token>"
  // When set and `token` is empty: the token is read from this file, or, when the file does not
  // exist, generated at start (256 random bits, hex) and written to it (mode 0600).
  std::string tokenFile;
  // Host names accepted in Host/Origin besides the listening address (and, on loopback or a
  // wildcard address, "localhost"); see docs/proxy.md "Admin API".
  std::vector<std::string> allowedHosts;
};

// True for 127.0.0.0/8 and ::1 (and ::ffff:127.x.y.z).
bool isLoopbackAddress(const std::string& address);
// Refuses an enabled admin API bound beyond loopback without `token` or `tokenFile`: anyone who
// reaches it could reroute traffic. Error (Invalid, path admin.address) says what to set.
Status checkAdminExposure(const AdminConfig& admin);

struct ProxyConfig {
  uint32_t workers = 1;
  // Each worker sends a round's writes with one system call (io_uring) where the kernel allows;
  // false: one sendmsg per write. Either way the bytes sent are the same (send_batch.h).
  bool batchSends = true;
  AdminConfig admin;
  Limits limits;
  std::vector<ListenerConfig> listeners;
  std::vector<ClusterConfig> clusters;
};

// Decodes YAML or JSON text (JSON is parsed as YAML flow style) and validates it. `file` names
// the source in error messages. On failure every problem found is returned, each formatted as
// "file:line:col: field.path: message".
Result<ProxyConfig> decodeProxyConfig(const std::string& text, const std::string& file);
Result<ProxyConfig> loadProxyConfigFile(const std::string& path);

// Semantic checks across fields (cluster references, weight sums, regexes...). Appends to errors.
void validateProxyConfig(const ProxyConfig& config, ErrorList& errors);

// Canonical JSON rendering (what GET /config returns; decodeProxyConfig accepts it back).
std::string toJson(const ProxyConfig& config);

// Joins a list of errors into one Error (code Invalid) whose message has one problem per line.
Error joinErrors(const ErrorList& errors);

}  // namespace aviary::proxy
