// Routing and discovery of the sandbox API server. Kubernetes has no C++ API server library (and
// Debian no kube-apiserver, k3s or kind), so the sandbox implements the HTTP API itself, only as
// far as kubectl, client-go's ways and Aviary's controller use it.
#include "sandbox/api_internal.h"

#include <sstream>

#include "sandbox/certs.h"
#include "sandbox/openapi.h"

namespace aviary::sandbox {

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// Constant-time comparison: the token is the sandbox's only credential.
bool sameToken(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

http::ServerResponse jsonResponse(int code, const Json& body) {
  return http::ServerResponse::json(code, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

http::ServerResponse statusResponse(int code, const std::string& reason, const std::string& message) {
  Json s = {{"kind", "Status"},     {"apiVersion", "v1"}, {"metadata", Json::object()}, {"status", "Failure"},
            {"message", message}, {"reason", reason},   {"code", code}};
  return jsonResponse(code, s);
}

http::ServerResponse errorResponse(const Error& e) {
  int code = 500;
  std::string reason = e.path.empty() ? "InternalError" : e.path;
  switch (e.code) {
    case ErrorCode::NotFound: code = 404; break;
    case ErrorCode::Conflict: code = 409; break;
    case ErrorCode::Invalid: code = reason == "BadRequest" ? 400 : 422; break;
    case ErrorCode::Unavailable: code = 503; break;
    default: break;
  }
  if (e.code == ErrorCode::Invalid && e.path.empty()) {
    code = 400;
    reason = "BadRequest";
  }
  return statusResponse(code, reason, e.message);
}

ApiServerImpl::ApiServerImpl(ApiServerOptions options, const Clock& clock, Random& random)
    : options_(std::move(options)), clock_(clock), store_(clock, random, options_.watchHistory) {}

Status ApiServerImpl::listen() {
  if (auto st = loadState(); !st) return st;
  auto nsType = registry_.find("", "v1", "namespaces");
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    if (store_.get(*nsType, "", ns)) continue;  // restored from the state file
    if (auto r = store_.create(*nsType, "", Json{{"metadata", {{"name", ns}}}}); !r) return r.error();
  }
  if (options_.kubelet) kubelet_ = std::make_unique<Kubelet>(store_, registry_, clock_);
  http::HttpServer::Options ho;
  ho.maxBodyBytes = 3 << 20;  // the API server's own limit is 3 MiB
  ho.readTimeoutSeconds = 300;
  ho.maxConnections = 512;
  if (options_.tls) {
    std::vector<std::string> ips = {"127.0.0.1", "::1"};
    if (options_.address != "127.0.0.1" && options_.address != "::1" && options_.address != "0.0.0.0" &&
        options_.address != "::") {
      ips.push_back(options_.address);
    }
    auto certs = generateTls({"localhost"}, ips);
    if (!certs) return certs.error();
    caPem_ = certs->caCertPem;
    ho.tlsCertPem = certs->serverCertPem;
    ho.tlsKeyPem = certs->serverKeyPem;
  }
  auto s = http::HttpServer::start(options_.address, options_.port,
                                   [this](const http::ServerRequest& r) { return handle(r); }, ho);
  if (!s) return s.error();
  http_ = std::move(s.value());
  if (!options_.stateFile.empty()) saver_ = std::thread([this] { saveLoop(); });
  return okStatus();
}

void ApiServerImpl::stop() {
  if (stopped_.exchange(true)) return;
  store_.stop();
  if (http_) http_->stop();
  if (kubelet_) kubelet_->stop();
  if (saver_.joinable()) {
    {
      std::lock_guard lock(saverMu_);
      saverCv_.notify_all();
    }
    saver_.join();
    (void)saveState();  // the last writes
  }
}

http::ServerResponse ApiServerImpl::handle(const http::ServerRequest& req) {
  if (!options_.token.empty()) {
    std::string auth = req.header("authorization");
    if (auth.rfind("Bearer ", 0) != 0 || !sameToken(auth.substr(7), options_.token)) {
      return statusResponse(401, "Unauthorized", "Unauthorized");
    }
  }
  try {
    return route(req);
  } catch (const std::exception& e) {
    // A bug or a value of an unexpected JSON type deep in an object: 500, never a crash.
    return statusResponse(500, "InternalError", std::string("internal error: ") + e.what());
  }
}

http::ServerResponse ApiServerImpl::version() const {
  return jsonResponse(200, {{"major", "1"},
                            {"minor", "32"},
                            {"gitVersion", "v1.32.0-aviary-sandbox"},
                            {"gitCommit", ""},
                            {"gitTreeState", "clean"},
                            {"buildDate", "2026-01-01T00:00:00Z"},
                            {"goVersion", "none (C++20)"},
                            {"compiler", "gc"},
                            {"platform", "linux/amd64"}});
}

http::ServerResponse ApiServerImpl::route(const http::ServerRequest& req) {
  auto parts = splitPath(req.path);
  if (req.path == "/version" || req.path == "/version/") return version();
  if (req.path == "/healthz" || req.path == "/readyz" || req.path == "/livez") return http::ServerResponse::text(200, "ok");
  if (parts.empty()) return jsonResponse(200, {{"paths", {"/api", "/apis", "/version", "/healthz"}}});

  if (parts[0] == "openapi") return openApi(parts);

  std::string group, ver;
  size_t rest = 0;
  if (parts[0] == "api") {
    if (parts.size() == 1) return jsonResponse(200, registry_.coreVersions());
    ver = parts[1];
    rest = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() == 1) return jsonResponse(200, registry_.groupList());
    group = parts[1];
    if (parts.size() == 2) {
      auto g = registry_.group(group);
      return g ? jsonResponse(200, *g) : statusResponse(404, "NotFound", "the server could not find the requested resource");
    }
    ver = parts[2];
    rest = 3;
  } else {
    return statusResponse(404, "NotFound", "the server could not find the requested resource");
  }
  if (parts.size() == rest) {
    auto list = registry_.resourceList(group, ver);
    return list ? jsonResponse(200, *list) : statusResponse(404, "NotFound", "the server could not find the requested resource");
  }

  ResourceRequest r;
  std::vector<std::string> tail(parts.begin() + static_cast<long>(rest), parts.end());
  // /namespaces/{ns}/{plural}/... unless it names the namespace object itself (or its status).
  if (tail.size() >= 3 && tail[0] == "namespaces" && !(group.empty() && (tail[2] == "status" || tail[2] == "finalize"))) {
    r.ns = tail[1];
    tail.erase(tail.begin(), tail.begin() + 2);
  }
  if (tail.empty() || tail.size() > 3) return statusResponse(404, "NotFound", "the server could not find the requested resource");
  auto type = registry_.find(group, ver, tail[0]);
  if (!type) return statusResponse(404, "NotFound", "the server could not find the requested resource");
  r.type = *type;
  if (tail.size() >= 2) r.name = tail[1];
  if (tail.size() == 3) {
    r.subresource = tail[2];
    if (r.subresource != "status" || !r.type.statusSubresource) {
      return statusResponse(404, "NotFound", "the server could not find the requested resource");
    }
  }
  if (!r.type.namespaced && !r.ns.empty()) {
    return statusResponse(404, "NotFound", "the server could not find the requested resource");
  }

  const std::string& m = req.method;
  if (r.name.empty()) {
    if (m == "GET") return list(r, req);
    if (m == "POST") return create(r, req);
    return statusResponse(405, "MethodNotAllowed", m + " is not supported on a collection by the sandbox");
  }
  if (m == "GET") return getOne(r, req);
  if (m == "PUT") return replace(r, req);
  if (m == "PATCH") return patch(r, req);
  if (m == "DELETE" && r.subresource.empty()) return remove(r, req);
  return statusResponse(405, "MethodNotAllowed", m + " is not supported here");
}

http::ServerResponse ApiServerImpl::openApi(const std::vector<std::string>& parts) {
  if (parts.size() < 2 || parts[1] != "v3") {
    return statusResponse(404, "NotFound", "the sandbox serves OpenAPI v3 only (/openapi/v3)");
  }
  auto types = registry_.all();
  if (parts.size() == 2) return jsonResponse(200, openApiIndex(types));
  std::string gv;
  for (size_t i = 2; i < parts.size(); ++i) gv += (gv.empty() ? "" : "/") + parts[i];
  // The CRDs' own schemas, for `kubectl explain`.
  Json schemas = Json::object();
  if (auto crdType = registry_.find("apiextensions.k8s.io", "v1", "customresourcedefinitions")) {
    for (const auto& crd : store_.list(*crdType, "", nullptr)) {
      std::string name = crd["metadata"].value("name", "");
      for (const auto& v : crd.value("spec", Json::object()).value("versions", Json::array())) {
        if (!v.is_object() || !v.contains("schema") || !v["schema"].is_object()) continue;
        const Json& sc = v["schema"];
        if (sc.contains("openAPIV3Schema") && sc["openAPIV3Schema"].is_object()) {
          schemas[name][v.value("name", "")] = sc["openAPIV3Schema"];
        }
      }
    }
  }
  auto doc = openApiGroupVersion(types, gv, schemas);
  if (!doc) return statusResponse(404, "NotFound", "no OpenAPI document for " + gv);
  return jsonResponse(200, *doc);
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(ApiServerOptions options, const Clock& clock, Random& random) {
  auto s = std::make_unique<ApiServerImpl>(std::move(options), clock, random);
  if (auto st = s->listen(); !st) return st.error();
  return std::unique_ptr<ApiServer>(std::move(s));
}

std::string kubeconfigFor(const std::string& url, const std::string& token, const std::string& name,
                          const std::string& caPem) {
  std::string out = "apiVersion: v1\nkind: Config\n";
  out += "clusters:\n- name: " + name + "\n  cluster:\n    server: " + url + "\n";
  if (!caPem.empty()) out += "    certificate-authority-data: " + encodeBase64(caPem) + "\n";
  out += "users:\n- name: " + name + "\n  user:\n";
  out += token.empty() ? "    {}\n" : "    token: " + token + "\n";
  out += "contexts:\n- name: " + name + "\n  context:\n    cluster: " + name + "\n    user: " + name +
         "\n    namespace: default\n";
  out += "current-context: " + name + "\n";
  return out;
}

}  // namespace aviary::sandbox
