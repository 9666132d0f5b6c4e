#pragma once
// Which attempt outcomes a route's retry policy retries (Envoy's x-envoy-retry-on semantics as
// used by Istio's HTTPRetry.retryOn). Pure function, unit-tested on its own.
#include "proxy/config.h"

namespace aviary::proxy {

enum class RetryCause {
  Response,        // a complete response with status `status`
  ConnectFailure,  // connect() failed or timed out
  Refused,         // connection refused (also matches refused-stream)
  Reset,           // connection reset / closed before a complete response
  PerTryTimeout,   // no response within retries.perTryTimeout
  Other,           // never retried (protocol error, request timeout)
};

// True when `cause` (with `status` for Response) is retriable under `policy` (attempts ignored).
// 5xx and gateway-error also cover "no response at all" (connect failure, reset, per-try timeout).
bool isRetriable(const RetryPolicy& policy, RetryCause cause, int status);

}  // namespace aviary::proxy
