// The admin API (control plane): served by common/http_server on its own listener, 127.0.0.1 by
// default; Host/Origin checks and the bearer token in admin_guard.h. See docs/proxy.md "Admin API".
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "proxy/admin_guard.h"
#include "proxy/server.h"

namespace aviary::proxy {

namespace {

http::ServerResponse errorResponse(int status, const Error& e) {
  nlohmann::json j = {{"error", e.format()}};
  return http::ServerResponse::json(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

http::ServerResponse methodNotAllowed(const char* allow) {
  auto r = http::ServerResponse::text(405, std::string("use ") + allow + "\n");
  r.headers.emplace_back("Allow", allow);
  return r;
}

}  // namespace

Status ProxyServer::startAdmin(const AdminConfig& admin) {
  auto token = resolveAdminToken(admin);
  if (!token.ok()) return token.error();
  guard_ = std::make_unique<AdminGuard>(admin, token.value());
  auto server = http::HttpServer::start(admin.address, admin.port,
                                        [this](const http::ServerRequest& req) { return handleAdmin(req); });
  if (!server.ok()) return server.error();
  admin_ = std::move(server.value());
  if (token.value().empty()) {
    spdlog::warn("admin API on {}:{} has no token: any local process can change routes (set admin.token or "
                 "admin.tokenFile)", admin.address, admin_->port());
  }
  return okStatus();
}

// Only the documented methods: a browser can send a cross-site POST without asking first
// (a CORS "simple request"), but never a PUT, so changes are PUT only.
http::ServerResponse ProxyServer::handleAdmin(const http::ServerRequest& req) {
  if (auto refused = guard_->check(req)) return *refused;
  if (req.path == "/ready") {
    return req.method == "GET" ? http::ServerResponse::text(200, "LIVE\n") : methodNotAllowed("GET");
  }
  if (req.path == "/stats/prometheus") {
    if (req.method != "GET") return methodNotAllowed("GET");
    auto r = http::ServerResponse::text(200, renderStats());
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (req.path == "/config") {
    if (req.method == "GET") return http::ServerResponse::json(200, toJson(currentConfig()) + "\n");
    if (req.method == "PUT") {
      auto cfg = decodeProxyConfig(req.body, "PUT /config");
      if (!cfg.ok()) return errorResponse(400, cfg.error());
      if (Status s = applyConfig(std::move(cfg.value())); !s.ok()) return errorResponse(400, s.error());
      return http::ServerResponse::json(200, "{\"status\":\"applied\"}\n");
    }
    return methodNotAllowed("GET, PUT");
  }
  // PUT /routes/<listener>/<route>/weights  {"<cluster>": <weight>, ...}
  const std::string prefix = "/routes/";
  const std::string suffix = "/weights";
  if (req.path.rfind(prefix, 0) == 0 && req.path.size() > prefix.size() + suffix.size() &&
      req.path.compare(req.path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    if (req.method != "PUT") return methodNotAllowed("PUT");
    std::string middle = req.path.substr(prefix.size(), req.path.size() - prefix.size() - suffix.size());
    size_t slash = middle.find('/');
    if (slash == std::string::npos) return http::ServerResponse::text(404, "expected /routes/<listener>/<route>/weights\n");
    std::map<std::string, uint32_t> weights;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || body.empty()) {
      return errorResponse(400, makeError(ErrorCode::Invalid, "expected a JSON object {\"<cluster>\": <weight>}", "body"));
    }
    for (const auto& [k, v] : body.items()) {
      if (!v.is_number_unsigned() || v.get<uint64_t>() > 100) {
        return errorResponse(400, makeError(ErrorCode::Invalid, "expected an integer in [0, 100], found " + v.dump(), k));
      }
      weights[k] = v.get<uint32_t>();
    }
    Status s = setRouteWeights(middle.substr(0, slash), middle.substr(slash + 1), weights);
    if (!s.ok()) return errorResponse(s.error().code == ErrorCode::NotFound ? 404 : 400, s.error());
    return http::ServerResponse::json(200, "{\"status\":\"applied\"}\n");
  }
  return http::ServerResponse::text(404, "unknown admin path " + req.path + "\n");
}

}  // namespace aviary::proxy
