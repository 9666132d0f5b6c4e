#include "runtime/status_server.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/encode.h"
#include "controller/gofmt.h"

namespace aviary::runtime {
namespace {

using controller::rfc3339;
using nlohmann::json;

// Splits "/api/v1/namespaces/NS/canaries/NAME[/SUB]".
struct CanaryPath {
  std::string ns, name, sub;
};
std::optional<CanaryPath> parseCanaryPath(const std::string& path) {
  static const std::string kPrefix = "/api/v1/namespaces/";
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  std::vector<std::string> parts;
  size_t start = kPrefix.size();
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 3 || parts.size() > 4 || parts[1] != "canaries" || parts[0].empty() || parts[2].empty()) {
    return std::nullopt;
  }
  return CanaryPath{parts[0], parts[2], parts.size() == 4 ? parts[3] : ""};
}

http::ServerResponse notFound(const std::string& what) {
  return http::ServerResponse::json(404, json{{"kind", "Status"}, {"status", "Failure"}, {"reason", "NotFound"},
                                              {"message", what}, {"code", 404}}
                                             .dump());
}

}  // namespace

Result<std::unique_ptr<StatusServer>> StatusServer::start(const std::string& address, uint16_t port,
                                                          StatusServerDeps deps) {
  std::unique_ptr<StatusServer> s(new StatusServer(std::move(deps)));
  auto* raw = s.get();
  auto srv = http::HttpServer::start(address, port, [raw](const http::ServerRequest& r) { return raw->handle(r); });
  if (!srv) return srv.error();
  s->server_ = std::move(*srv);
  return s;
}

http::ServerResponse StatusServer::handle(const http::ServerRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = http::ServerResponse::text(405, "method not allowed: this API is read-only (GET)\n");
    r.headers.push_back({"Allow", "GET, HEAD"});
    return r;
  }
  if (req.path == "/healthz") return http::ServerResponse::text(200, "OK");
  if (req.path == "/readyz") {
    return deps_.runtime && deps_.runtime->ready() ? http::ServerResponse::text(200, "OK")
                                                   : http::ServerResponse::text(503, "not ready\n");
  }
  if (req.path == "/metrics") {
    auto r = http::ServerResponse::text(200, (deps_.metrics ? deps_.metrics->serialize() : std::string()) +
                                                 (deps_.extraMetrics ? deps_.extraMetrics() : std::string()));
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (req.path == "/api/v1/canaries") {
    json items = json::array();
    for (const auto& c : deps_.store->listCanaries()) items.push_back(api::encode(*c));
    return http::ServerResponse::json(200, json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}.dump());
  }
  if (auto p = parseCanaryPath(req.path)) {
    auto c = deps_.store->getCanary(p->ns, p->name);
    if (!c) return notFound(fmt::format("canaries.flagger.app \"{}\" not found in namespace {}", p->name, p->ns));
    if (p->sub.empty()) return http::ServerResponse::json(200, api::encode(*c).dump());
    if (p->sub == "events") {
      json items = json::array();
      if (deps_.events) {
        for (const auto& e : deps_.events->of(p->ns, p->name)) {
          items.push_back({{"type", controller::toString(e.type)},
                           {"reason", "Synced"},
                           {"message", e.message},
                           {"time", rfc3339(e.time)},
                           {"phase", api::toString(e.phase)}});
        }
      }
      return http::ServerResponse::json(200, json{{"items", items}}.dump());
    }
    if (p->sub == "analysis") {
      json metrics = json::array();
      const auto values = deps_.values ? deps_.values->of(p->ns, p->name) : std::map<std::string, MetricValue>{};
      if (c->spec.analysis) {
        for (const auto& m : c->spec.analysis->metrics) {
          json j{{"name", m.name}};
          if (m.thresholdRange) {
            json range = json::object();
            if (m.thresholdRange->min) range["min"] = *m.thresholdRange->min;
            if (m.thresholdRange->max) range["max"] = *m.thresholdRange->max;
            j["thresholdRange"] = range;
          } else if (m.threshold) {
            j["threshold"] = *m.threshold;
          }
          if (auto it = values.find(m.name); it != values.end()) {
            j["value"] = it->second.value;
            j["time"] = rfc3339(it->second.time);
          }
          metrics.push_back(j);
        }
      }
      return http::ServerResponse::json(200, json{{"metrics", metrics}}.dump());
    }
  }
  if (deps_.extra) {
    if (auto r = deps_.extra(req)) return *r;
  }
  return notFound("no such endpoint: " + req.path);
}

}  // namespace aviary::runtime
