#pragma once
// The controller's HTTP endpoints on 127.0.0.1 (Flagger's -port server, plus our status API):
//   GET /metrics                                   Flagger's metrics and the runtime's counters
//   GET /healthz                                   200 "OK" while the process serves
//   GET /readyz                                    200 once the runtime runs, 503 while stopping
//   GET /api/v1/canaries                           {"kind":"List","items":[Canary…]} with status
//   GET /api/v1/namespaces/NS/canaries/NAME        the Canary as `kubectl get -o json` prints it
//   GET /api/v1/namespaces/NS/canaries/NAME/events {"items":[{type,reason,message,time,phase}]}
//   GET /api/v1/namespaces/NS/canaries/NAME/analysis
//        {"metrics":[{name,value,time,thresholdRange}]}: the last value of each metric
//   GET /api/v1/namespaces/NS/canaries/NAME/history
//        {"items":[record…]}: the rollout history, oldest first (controller/history.h)
//   POST /api/v1/namespaces/NS/canaries/NAME/actions
//        {"action":"promote|abort|pause|resume|retry","skipAnalysis":bool,"user":"…"}: a manual
//        action (controller/manual.h) through Runtime::requestAction. 202 accepted (applied by a
//        tick right away), 409 refused with the reason, 404 no such canary, 400 a bad body,
//        401 without the admin token when one is configured, 503 not scheduled yet. The answer
//        is a Kubernetes Status object whose `message` says what happened.
// Paths the server does not know go to the `extra` handler (the local platform's endpoints),
// else 404. Only the actions endpoint changes state.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/http_server.h"
#include "controller/event_log.h"
#include "platform/platform.h"
#include "runtime/controller_metrics.h"
#include "runtime/last_values.h"
#include "runtime/runtime.h"

namespace aviary::runtime {

struct StatusServerDeps {
  Runtime* runtime = nullptr;
  platform::Store* store = nullptr;
  ControllerMetrics* metrics = nullptr;
  const controller::EventLog* events = nullptr;  // optional
  const LastValues* values = nullptr;            // optional
  const controller::HistoryStore* history = nullptr;  // optional
  // When non-empty, POSTs must carry "Authorization: Bearer <adminToken>" (GETs stay open: they
  // only read). Compared in constant time.
  std::string adminToken;
  // Whether POST …/actions is served at all (the local platform's channel); off: 405.
  bool actions = false;
  // More exposition text appended to /metrics (e.g. the proxy's), optional.
  std::function<std::string()> extraMetrics;
  // Answers paths the server does not know; nullopt → 404.
  std::function<std::optional<http::ServerResponse>(const http::ServerRequest&)> extra;
};

class StatusServer {
 public:
  static Result<std::unique_ptr<StatusServer>> start(const std::string& address, uint16_t port, StatusServerDeps deps);
  ~StatusServer() { stop(); }
  uint16_t port() const { return server_->port(); }
  std::string url() const { return server_->url(); }
  void stop() {
    if (server_) server_->stop();
  }

 private:
  explicit StatusServer(StatusServerDeps deps) : deps_(std::move(deps)) {}
  http::ServerResponse handle(const http::ServerRequest& req);
  http::ServerResponse action(const http::ServerRequest& req, const std::string& ns, const std::string& name);

  StatusServerDeps deps_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace aviary::runtime
