// Semantic (cross-field) checks of a decoded ProxyConfig, and its canonical JSON form.
#include <re2/re2.h>

#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "proxy/config.h"

namespace aviary::proxy {
namespace {

void add(ErrorList& errors, std::string path, std::string message) {
  errors.push_back(makeError(ErrorCode::Invalid, std::move(message), std::move(path)));
}

void checkMatch(const StringMatch& m, const std::string& path, ErrorList& errors) {
  if (m.kind != StringMatch::Kind::Regex) return;
  RE2 re(m.value, RE2::Quiet);
  if (!re.ok()) add(errors, path + ".regex", "invalid RE2 regex \"" + m.value + "\": " + re.error());
}

void checkHeaderOps(const HeaderOperations& ops, const std::string& path, ErrorList& errors) {
  auto bad = [](const std::string& s) { return s.empty() || s.find_first_of(" :\r\n\t") != std::string::npos; };
  auto badValue = [](const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; };
  for (const auto& [n, v] : ops.set) {
    if (bad(n) || badValue(v)) add(errors, path + ".set." + n, "invalid header name or value");
  }
  for (const auto& [n, v] : ops.add) {
    if (bad(n) || badValue(v)) add(errors, path + ".add." + n, "invalid header name or value");
  }
  for (const auto& n : ops.remove) {
    if (bad(n)) add(errors, path + ".remove", "invalid header name \"" + n + "\"");
  }
}

void checkHeaderPolicy(const HeaderPolicy& h, const std::string& path, ErrorList& errors) {
  checkHeaderOps(h.request, path + ".headers.request", errors);
  checkHeaderOps(h.response, path + ".headers.response", errors);
}

bool isIp(const std::string& s) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(s, ec);
  return !ec;
}

}  // namespace

bool isLoopbackAddress(const std::string& address) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(address, ec);
  if (ec) return false;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()).is_loopback();
  return a.is_loopback();
}

Status checkAdminExposure(const AdminConfig& admin) {
  if (!admin.enabled || isLoopbackAddress(admin.address) || !admin.token.empty() || !admin.tokenFile.empty()) {
    return okStatus();
  }
  return makeError(ErrorCode::Invalid,
                   "the admin API listens beyond loopback (" + admin.address +
                       ") without a token: anyone who reaches it could reroute traffic; set admin.token or "
                       "admin.tokenFile (or --admin-token-file), or bind 127.0.0.1",
                   "admin.address");
}

void validateProxyConfig(const ProxyConfig& cfg, ErrorList& errors) {
  if (cfg.workers < 1) add(errors, "workers", "must be at least 1, got 0");
  if (!isIp(cfg.admin.address)) add(errors, "admin.address", "expected an IP address, found \"" + cfg.admin.address + "\"");
  std::set<std::string> clusters;
  for (size_t i = 0; i < cfg.clusters.size(); ++i) {
    const ClusterConfig& c = cfg.clusters[i];
    std::string p = "clusters[" + std::to_string(i) + "]";
    if (c.name.empty()) add(errors, p + ".name", "must not be empty");
    if (!clusters.insert(c.name).second) add(errors, p + ".name", "duplicate cluster name \"" + c.name + "\"");
    // An empty list is allowed (Envoy's cluster without members): requests get 503 UH. The
    // local platform's services have no endpoint until a replica is ready.
    if (c.connectTimeout.count() <= 0) add(errors, p + ".connectTimeout", "must be greater than 0");
  }
  if (cfg.listeners.empty()) add(errors, "listeners", "must list at least one listener");
  std::set<std::string> listenerNames;
  for (size_t i = 0; i < cfg.listeners.size(); ++i) {
    const ListenerConfig& l = cfg.listeners[i];
    std::string p = "listeners[" + std::to_string(i) + "]";
    if (!listenerNames.insert(l.name).second) add(errors, p + ".name", "duplicate listener name \"" + l.name + "\"");
    if (!isIp(l.address)) add(errors, p + ".address", "expected an IP address, found \"" + l.address + "\"");
    if (l.reporter != "destination" && l.reporter != "source") {
      add(errors, p + ".reporter", "expected destination or source, found \"" + l.reporter + "\"");
    }
    if (l.routes.empty()) add(errors, p + ".routes", "must list at least one route");
    std::set<std::string> routeNames;
    for (size_t j = 0; j < l.routes.size(); ++j) {
      const RouteConfig& r = l.routes[j];
      std::string rp = p + ".routes[" + std::to_string(j) + "]";
      if (!r.name.empty() && !routeNames.insert(r.name).second) {
        add(errors, rp + ".name", "duplicate route name \"" + r.name + "\"");
      }
      for (size_t k = 0; k < r.match.size(); ++k) {
        std::string mp = rp + ".match[" + std::to_string(k) + "]";
        const RouteMatch& m = r.match[k];
        if (m.uri) checkMatch(*m.uri, mp + ".uri", errors);
        if (m.method) checkMatch(*m.method, mp + ".method", errors);
        if (m.authority) checkMatch(*m.authority, mp + ".authority", errors);
        for (auto [list, key] : {std::pair{&m.headers, ".headers."}, {&m.withoutHeaders, ".withoutHeaders."},
                                 {&m.queryParams, ".queryParams."}, {&m.cookies, ".cookies."}}) {
          for (const NamedMatch& nm : *list) checkMatch(nm.match, mp + key + nm.name, errors);
        }
      }
      if (r.route.empty()) add(errors, rp + ".route", "must list at least one destination");
      uint32_t sum = 0;
      for (size_t k = 0; k < r.route.size(); ++k) {
        std::string dp = rp + ".route[" + std::to_string(k) + "]";
        sum += r.route[k].weight;
        if (!clusters.count(r.route[k].cluster)) {
          add(errors, dp + ".cluster", "unknown cluster \"" + r.route[k].cluster + "\"");
        }
        checkHeaderPolicy(r.route[k].headers, dp, errors);
      }
      // Like Istio: with several destinations the weights must add up to 100.
      if (r.route.size() > 1 && sum != 100) {
        add(errors, rp + ".route", "weights must add up to 100, got " + std::to_string(sum));
      }
      if (r.mirror && !clusters.count(r.mirror->cluster)) {
        add(errors, rp + ".mirror.cluster", "unknown cluster \"" + r.mirror->cluster + "\"");
      }
      if (r.rewrite && (r.rewrite->uri.find_first_of(" \r\n") != std::string::npos ||
                        (!r.rewrite->uri.empty() && r.rewrite->uri[0] != '/') ||
                        r.rewrite->authority.find_first_of(" \r\n") != std::string::npos)) {
        add(errors, rp + ".rewrite", "uri must start with '/' and neither uri nor authority may contain spaces");
      }
      if (r.retries.attempts > 0 && r.retries.retryOn == 0) {
        add(errors, rp + ".retries.retryOn", "attempts > 0 needs at least one retryOn condition");
      }
      checkHeaderPolicy(r.headers, rp, errors);
    }
  }
}

namespace {

nlohmann::json matchJson(const StringMatch& m) {
  const char* key = m.kind == StringMatch::Kind::Exact ? "exact" : m.kind == StringMatch::Kind::Prefix ? "prefix" : "regex";
  return {{key, m.value}};
}

nlohmann::json opsJson(const HeaderOperations& ops) {
  nlohmann::json j = nlohmann::json::object();
  if (!ops.set.empty()) {
    for (const auto& [n, v] : ops.set) j["set"][n] = v;
  }
  if (!ops.add.empty()) {
    for (const auto& [n, v] : ops.add) j["add"][n] = v;
  }
  if (!ops.remove.empty()) j["remove"] = ops.remove;
  return j;
}

nlohmann::json policyJson(const HeaderPolicy& h) {
  return {{"request", opsJson(h.request)}, {"response", opsJson(h.response)}};
}

std::string durationText(Duration d) { return std::to_string(d.count()) + "ms"; }

}  // namespace

std::string toJson(const ProxyConfig& cfg) {
  nlohmann::json j;
  j["workers"] = cfg.workers;
  j["batchSends"] = cfg.batchSends;
  j["admin"] = {{"address", cfg.admin.address}, {"port", cfg.admin.port},
                {"enabled", cfg.admin.enabled}};
  if (!cfg.admin.token.empty()) j["admin"]["token"] = "<redacted>";
  if (!cfg.admin.tokenFile.empty()) j["admin"]["tokenFile"] = cfg.admin.tokenFile;
  if (!cfg.admin.allowedHosts.empty()) j["admin"]["allowedHosts"] = cfg.admin.allowedHosts;
  j["limits"] = {{"maxRequestHeadersBytes", cfg.limits.maxRequestHeadersBytes},
                 {"maxRequestBodyBytes", cfg.limits.maxRequestBodyBytes},
                 {"largeRequestBodies", cfg.limits.largeRequestBodies == Limits::LargeBodies::Stream ? "stream" : "reject"},
                 {"maxResponseBytes", cfg.limits.maxResponseBytes},
                 {"idleTimeout", durationText(cfg.limits.idleTimeout)},
                 {"abortOnClientClose", cfg.limits.abortOnClientClose}};
  j["listeners"] = nlohmann::json::array();
  for (const ListenerConfig& l : cfg.listeners) {
    nlohmann::json lj = {{"name", l.name}, {"address", l.address}, {"port", l.port},
                         {"reporter", l.reporter},
                         {"source", {{"workload", l.source.workload}, {"namespace", l.source.namespace_},
                                     {"app", l.source.app}, {"version", l.source.version}}}};
    lj["routes"] = nlohmann::json::array();
    for (const RouteConfig& r : l.routes) {
      nlohmann::json rj = {{"name", r.name}, {"timeout", durationText(r.timeout)}, {"headers", policyJson(r.headers)}};
      rj["match"] = nlohmann::json::array();
      for (const RouteMatch& m : r.match) {
        nlohmann::json mj = nlohmann::json::object();
        if (m.uri) mj["uri"] = matchJson(*m.uri);
        if (m.method) mj["method"] = matchJson(*m.method);
        if (m.authority) mj["authority"] = matchJson(*m.authority);
        for (const NamedMatch& h : m.headers) mj["headers"][h.name] = matchJson(h.match);
        for (const NamedMatch& h : m.withoutHeaders) mj["withoutHeaders"][h.name] = matchJson(h.match);
        for (const NamedMatch& q : m.queryParams) mj["queryParams"][q.name] = matchJson(q.match);
        for (const NamedMatch& c : m.cookies) mj["cookies"][c.name] = matchJson(c.match);
        if (m.ignoreUriCase) mj["ignoreUriCase"] = true;
        rj["match"].push_back(mj);
      }
      rj["route"] = nlohmann::json::array();
      for (const WeightedCluster& w : r.route) {
        rj["route"].push_back({{"cluster", w.cluster}, {"weight", w.weight}, {"headers", policyJson(w.headers)}});
      }
      if (r.rewrite) rj["rewrite"] = {{"uri", r.rewrite->uri}, {"authority", r.rewrite->authority}};
      if (r.mirror) rj["mirror"] = {{"cluster", r.mirror->cluster}, {"percentage", r.mirror->percentage}};
      if (r.retries.attempts > 0 || r.retries.retryOn != 0) {
        rj["retries"] = {{"attempts", r.retries.attempts},
                         {"perTryTimeout", durationText(r.retries.perTryTimeout)},
                         {"retryOn", r.retries.retryOnText}};
      }
      lj["routes"].push_back(rj);
    }
    j["listeners"].push_back(lj);
  }
  j["clusters"] = nlohmann::json::array();
  for (const ClusterConfig& c : cfg.clusters) {
    nlohmann::json cj = {{"name", c.name},
                         {"loadBalancer", c.loadBalancer == ClusterConfig::LbPolicy::RoundRobin ? "ROUND_ROBIN" : "LEAST_REQUEST"},
                         {"connectTimeout", durationText(c.connectTimeout)},
                         {"maxIdleConnections", c.maxIdleConnections},
                         {"idleTimeout", durationText(c.idleTimeout)}};
    cj["endpoints"] = nlohmann::json::array();
    for (const Endpoint& e : c.endpoints) {
      cj["endpoints"].push_back((e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host) + ":" +
                                std::to_string(e.port));
    }
    cj["outlierDetection"] = {{"consecutive5xxErrors", c.outlierDetection.consecutive5xxErrors},
                              {"consecutiveGatewayErrors", c.outlierDetection.consecutiveGatewayErrors},
                              {"baseEjectionTime", durationText(c.outlierDetection.baseEjectionTime)},
                              {"maxEjectionPercent", c.outlierDetection.maxEjectionPercent}};
    cj["workload"] = {{"name", c.workload.workload}, {"namespace", c.workload.namespace_}, {"app", c.workload.app},
                      {"version", c.workload.version}, {"service", c.workload.service},
                      {"serviceNamespace", c.workload.serviceNamespace}};
    j["clusters"].push_back(cj);
  }
  // Invalid UTF-8 in user strings must not throw (control plane, but never crash): replace it.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace aviary::proxy
