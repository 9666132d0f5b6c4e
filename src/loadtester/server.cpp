#include "loadtester/server.h"

#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "loadtester/command_line.h"

namespace aviary::loadtester {
namespace {

std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

Result<HeyMode> parseHeyMode(const std::string& text) {
  if (text == "auto" || text.empty()) return HeyMode::Auto;
  if (text == "builtin") return HeyMode::Builtin;
  if (text == "external") return HeyMode::External;
  return makeError(ErrorCode::Invalid, "expected auto, builtin or external, found \"" + text + "\"", "--hey");
}

LoadtesterServer::LoadtesterServer(LoadtesterOptions options)
    : options_(std::move(options)),
      runner_([this](const BackgroundTask& t, const ProcessResult& r) { onBackgroundFinished(t, r); }) {}

LoadtesterServer::~LoadtesterServer() {
  stop();
  if (!shimDir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(shimDir_, ec);
  }
}

Status LoadtesterServer::compile() {
  std::string problems;
  auto allow = Allowlist::compile(options_.allowCmd);
  if (allow) {
    allow_ = std::move(*allow);
  } else {
    problems += "\n  " + allow.error().message;
  }
  if (!options_.namespaceRegexp.empty()) {
    namespaceRe_ = std::make_unique<RE2>(options_.namespaceRegexp, RE2::Quiet);
    if (!namespaceRe_->ok()) problems += "\n  -namespace-regexp \"" + options_.namespaceRegexp + "\": " + namespaceRe_->error();
  }
  if (!problems.empty()) return makeError(ErrorCode::Invalid, "invalid regular expression(s):" + problems);
  return okStatus();
}

Result<std::unique_ptr<LoadtesterServer>> LoadtesterServer::start(LoadtesterOptions options) {
  std::unique_ptr<LoadtesterServer> s(new LoadtesterServer(std::move(options)));
  if (auto st = s->compile(); !st) return st.error();
  const char* path = std::getenv("PATH");
  s->externalHey_ = !lookPath("hey", path ? path : "").empty();
  if (!s->options_.builtinHey.empty()) {
    char tmpl[] = "/tmp/aviary-loadtester-XXXXXX";
    if (!::mkdtemp(tmpl)) return makeError(ErrorCode::Io, "cannot create a temporary directory for the hey shim");
    s->shimDir_ = tmpl;
    std::string script = "#!/bin/sh\nexec";
    for (const auto& a : s->options_.builtinHey) script += " " + shellQuote(a);
    script += " \"$@\"\n";
    std::string shim = s->shimDir_ + "/hey";
    std::ofstream(shim) << script;
    ::chmod(shim.c_str(), 0755);
  }
  http::HttpServer::Options httpOptions;
  httpOptions.maxBodyBytes = s->options_.maxBodyBytes;
  httpOptions.bodyLimitStatus = 400;
  auto* raw = s.get();
  auto srv = http::HttpServer::start(s->options_.listenAddress, s->options_.port,
                                     [raw](const http::ServerRequest& req) { return raw->handle(req); }, httpOptions);
  if (!srv) return srv.error();
  s->server_ = std::move(*srv);
  return s;
}

void LoadtesterServer::stop() {
  stopping_.store(true);  // first, so that request threads blocked in a command return
  if (server_) server_->stop();
  runner_.shutdown();
}

bool LoadtesterServer::authorized(const http::ServerRequest& req) const {
  if (options_.token.empty()) return true;
  // "Bearer" in any case (RFC 9110 §11.1: the scheme is case-insensitive), then the token.
  const std::string auth = req.header("authorization");
  if (auth.size() > 7 && strncasecmp(auth.c_str(), "bearer ", 7) == 0) {
    const size_t b = auth.find_first_not_of(' ', 7);
    if (b != std::string::npos && auth.compare(b, std::string::npos, options_.token) == 0) return true;
  }
  return req.queryParam("token") == options_.token;
}

http::ServerResponse LoadtesterServer::handle(const http::ServerRequest& req) {
  std::string endpoint = "/";
  http::ServerResponse res = route(req, &endpoint);
  metrics_.request(endpoint, res.status);
  return res;
}

http::ServerResponse LoadtesterServer::route(const http::ServerRequest& req, std::string* endpoint) {
  const std::string& path = req.path;
  static const char* kExact[] = {"/healthz",     "/metrics",         "/gate/approve",   "/gate/halt",
                                 "/gate/check",  "/gate/open",       "/gate/close",     "/rollback/check",
                                 "/rollback/open", "/rollback/close"};
  for (const char* p : kExact) {
    if (path == p) *endpoint = p;
  }
  if (path == "/healthz") return http::ServerResponse::text(200, "OK");
  if (path == "/metrics") {
    auto r = http::ServerResponse::text(200, metrics_.serialize());
    r.contentType = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (!authorized(req)) return reject(401, "token", "unauthorized: missing or wrong bearer token\n");
  if (path == "/gate/approve") return http::ServerResponse::text(200, "OK");
  if (path == "/gate/halt") return http::ServerResponse::text(403, "Forbidden");
  if (req.body.size() > options_.maxBodyBytes) {
    return reject(400, "body", "request body larger than " + std::to_string(options_.maxBodyBytes) + " bytes\n");
  }
  auto payload = webhooks::decodePayload(req.body);
  if (!payload) return reject(400, "payload", payload.error().message + "\n");
  if (namespaceRe_ && !RE2::PartialMatch(payload->namespace_, *namespaceRe_)) {
    return reject(403, "namespace", "Forbidden");
  }
  if (*endpoint != "/") return gate(path, *payload);
  return runTask(*payload);
}

http::ServerResponse LoadtesterServer::gate(const std::string& path, const webhooks::Payload& p) {
  bool rollback = path.rfind("/rollback/", 0) == 0;
  std::string key = rollback ? "rollback." + gateKey(p) : gateKey(p);
  std::string op = path.substr(path.rfind('/') + 1);
  if (op == "check") {
    bool open = gates_.check(key);
    spdlog::info("{} {} {}", rollback ? "rollback check" : "gate check", key, open ? "approved" : "denied");
    return open ? http::ServerResponse::text(200, "Approved") : http::ServerResponse::text(403, "Forbidden");
  }
  if (op == "open") {
    gates_.open(key);
  } else {
    gates_.close(key);
  }
  spdlog::info("{} {} {}", rollback ? "rollback" : "gate", key, op == "open" ? "opened" : "closed");
  return http::ServerResponse::text(202, "");
}

http::ServerResponse LoadtesterServer::reject(int status, const std::string& reason, const std::string& message) {
  metrics_.requestRejected(reason);
  spdlog::warn("rejected request ({}): {}", status, message.substr(0, message.find_last_not_of('\n') + 1));
  return http::ServerResponse::text(status, message);
}

}  // namespace aviary::loadtester
