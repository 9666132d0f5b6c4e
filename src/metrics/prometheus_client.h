#pragma once
// The Prometheus metrics provider over the HTTP API (flagger pkg/metrics/providers/prometheus.go):
// instant queries at "now", one number per query.
//
// Result semantics (Aviary's, stricter than Flagger's where Flagger silently picks a value):
//   - an instant vector with exactly one sample → that value (±Inf included);
//   - an empty vector, or a NaN sample, or a sample without a value → Error code NoValues,
//     message "no values found" (Flagger's ErrNoValuesFound);
//   - several series → Error (Flagger takes the last one; picking one of several series silently
//     hides a query that forgot its sum()), a matrix → "query returned multiple values", a
//     scalar/string result → Error;
//   - HTTP status >= 400 → "error response: Status <code> <text>: <Prometheus's error text>";
//   - transport failure → Error code Unavailable/Timeout whose message names the address.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "metrics/secret_source.h"

namespace aviary::metrics {

struct PrometheusOptions {
  std::string address;                                      // e.g. "http://127.0.0.1:9090" or ".../prefix"
  std::chrono::milliseconds timeout{5000};                  // per request (Flagger: 5 s)
  bool insecureSkipVerify = false;                          // TLS certificate and host name not verified
  std::map<std::string, std::vector<std::string>> headers;  // MetricTemplate provider.headers
  std::string bearerToken;                                  // "Authorization: Bearer ..." when non-empty
  std::string username, password;                           // HTTP basic auth when username is non-empty
};

// Fills the credentials of `options` from a secret's data: key `token` → bearer token; otherwise
// both `username` and `password` are required (Error "prometheus credentials does not contain a
// username" / "... a password", as Flagger words it).
Status applyPrometheusCredentials(PrometheusOptions& options, const SecretData& secret);

class PrometheusClient {
 public:
  // Error (code Invalid) "prometheus address <a> is not a valid URL" unless the address is an
  // absolute http(s) URL with a host.
  static Result<PrometheusClient> create(PrometheusOptions options);

  // The URL an instant query is sent to: <scheme>://<host><path without trailing '/'>
  // /api/v1/query?query=<whitespace-collapsed query, Go url.QueryEscape'd>. An address query
  // string is dropped (as Flagger does).
  std::string queryUrl(std::string_view query) const;

  // Runs an instant query (see the result semantics above). Blocking, thread-safe.
  Result<double> query(std::string_view query) const;

  // Flagger's IsOnline: `vector(1)` must return 1. Errors: "running query failed: <err>" or
  // "value is not 1 for query: vector(1)".
  Status isOnline() const;

  const std::string& address() const { return options_.address; }

 private:
  explicit PrometheusClient(PrometheusOptions options, std::string base)
      : options_(std::move(options)), base_(std::move(base)) {}
  PrometheusOptions options_;
  std::string base_;  // scheme://host[:port][/path], no trailing slash
};

// Decodes a /api/v1/query response (exposed for unit tests): status code, reason and body.
Result<double> parseQueryResponse(long httpStatus, const std::string& body);

// Go's url.QueryEscape: space → '+', all but A-Z a-z 0-9 - _ . ~ percent-encoded (upper hex).
std::string goQueryEscape(std::string_view s);

}  // namespace aviary::metrics
