#include "runtime/status_server.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/encode.h"
#include "controller/gofmt.h"
#include "controller/manual.h"

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

http::ServerResponse statusAnswer(int code, const std::string& reason, const std::string& what) {
  return http::ServerResponse::json(code, json{{"kind", "Status"},
                                               {"status", code < 300 ? "Success" : "Failure"},
                                               {"reason", reason},
                                               {"message", what},
                                               {"code", code}}
                                              .dump());
}

http::ServerResponse notFound(const std::string& what) { return statusAnswer(404, "NotFound", what); }

// Constant-time comparison, so that the answer's timing does not tell how much of a guess was right.
bool sameToken(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
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

http::ServerResponse StatusServer::action(const http::ServerRequest& req, const std::string& ns,
                                          const std::string& name) {
  if (!deps_.adminToken.empty() && !sameToken(req.header("authorization"), "Bearer " + deps_.adminToken)) {
    return statusAnswer(401, "Unauthorized", "this controller's actions need its admin token (--admin-token-file)");
  }
  auto body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("action") || !body["action"].is_string()) {
    return statusAnswer(400, "BadRequest",
                        R"(expected a JSON object {"action":"promote|abort|pause|resume|retry",...}, found: )" +
                            req.body.substr(0, 200));
  }
  auto verb = controller::parseVerb(body["action"].get<std::string>());
  if (!verb) {
    return statusAnswer(400, "BadRequest",
                        "action: expected one of promote, abort, pause, resume, retry, found \"" +
                            body["action"].get<std::string>() + "\"");
  }
  controller::ManualAction a;
  a.verb = *verb;
  // Typed reads that never throw: a wrong type is refused like a missing field.
  const auto field = [&](const char* key) { return body.contains(key) ? body[key] : json(); };
  if (!field("skipAnalysis").is_null() && !field("skipAnalysis").is_boolean()) {
    return statusAnswer(400, "BadRequest", "skipAnalysis: expected a boolean, found " + field("skipAnalysis").dump());
  }
  if (!field("user").is_null() && !field("user").is_string()) {
    return statusAnswer(400, "BadRequest", "user: expected a string, found " + field("user").dump());
  }
  a.skipAnalysis = field("skipAnalysis").is_boolean() && field("skipAnalysis").get<bool>();
  a.user = field("user").is_string() ? field("user").get<std::string>() : "";
  if (!deps_.runtime) return statusAnswer(503, "ServiceUnavailable", "no runtime");
  const std::string label = controller::formatAction(a);
  auto st = deps_.runtime->requestAction(ns, name, a);
  if (st) return statusAnswer(202, "Accepted", fmt::format("{} of {}.{} accepted", label, name, ns));
  switch (st.error().code) {
    case ErrorCode::NotFound: return notFound(st.error().message);
    case ErrorCode::Invalid: return statusAnswer(409, "Conflict", st.error().message);
    default: return statusAnswer(503, "ServiceUnavailable", st.error().message);
  }
}

http::ServerResponse StatusServer::handle(const http::ServerRequest& req) {
  if (req.method == "POST" && deps_.actions) {
    if (auto p = parseCanaryPath(req.path); p && p->sub == "actions") return action(req, p->ns, p->name);
  }
  if (req.method != "GET" && req.method != "HEAD") {
    auto r = http::ServerResponse::text(405, "method not allowed: only .../canaries/NAME/actions takes POST\n");
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
    if (p->sub == "history") {
      json items = json::array();
      if (deps_.history) {
        auto records = deps_.history->list(p->ns, p->name);
        if (!records) return statusAnswer(500, "InternalError", records.error().message);
        for (const auto& r : *records) items.push_back(controller::toJson(r));
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
