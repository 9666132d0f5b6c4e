#pragma once
// Prometheus's HTTP API (v1) over a Store, for the embedded metrics server:
//   GET|POST /api/v1/query        query, time            → vector | scalar | matrix | string
//   GET|POST /api/v1/query_range  query, start, end, step → matrix (≤ 11,000 points per series)
//   GET|POST /api/v1/series       match[]..., start, end
//   GET|POST /api/v1/labels       [match[]...], start, end
//   GET      /api/v1/label/<name>/values
//   GET      /api/v1/status/buildinfo, /api/v1/metadata, /api/v1/query_exemplars (empty),
//            /-/healthy, /-/ready
// JSON as Prometheus writes it: {"status":"success","data":...}; values as strings ("NaN",
// "+Inf"), timestamps as seconds with millisecond decimals. Errors: {"status":"error",
// "errorType":"bad_data"|"execution"|"not_found","error":"..."} with HTTP 400, 422 or 404.
// POST bodies are application/x-www-form-urlencoded, as promtool and Grafana send them.
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/http_server.h"
#include "tsdb/store.h"

namespace aviary::tsdb {

// Extra routes the embedding server adds (e.g. /metrics); return false when not handled.
using ExtraRoute = std::function<bool(const http::ServerRequest&, http::ServerResponse&)>;

// The request handler. `store` and `clock` must outlive it. Thread-safe.
http::Handler makeApiHandler(const Store& store, const Clock& clock, ExtraRoute extra = nullptr);

// Prometheus's time parameter: Unix seconds with decimals, or RFC 3339. Error (Invalid) otherwise.
Result<promql::Millis> parseApiTime(const std::string& text);

}  // namespace aviary::tsdb
