// YAML/JSON → ProxyConfig. Structural checks (types, unknown keys, ranges) happen here with the
// node's position; cross-field checks run in validateProxyConfig and get their positions from the
// path → position table recorded while decoding. Parsed with the shared YAML reader (yaml/file.h),
// so syntax errors carry their position like every other problem.
#include <charconv>
#include <map>
#include <sstream>

#include "proxy/config.h"
#include "proxy/yaml_decoder.h"
#include "yaml/file.h"

namespace aviary::proxy {
namespace {

using detail::Decoder;
using detail::Node;
using detail::PosMap;

void decodeStringMatch(Decoder& d, const Node& n, const std::string& path, StringMatch& out) {
  if (!d.map(n, path, {"exact", "prefix", "regex"})) return;
  int count = 0;
  if (d.str(n, "exact", path, out.value)) out.kind = StringMatch::Kind::Exact, ++count;
  if (d.str(n, "prefix", path, out.value)) out.kind = StringMatch::Kind::Prefix, ++count;
  if (d.str(n, "regex", path, out.value)) out.kind = StringMatch::Kind::Regex, ++count;
  if (count != 1) d.fail(n, path, "expected exactly one of exact, prefix, regex; found " + std::to_string(count));
}

void decodeNamedMatches(Decoder& d, const Node& parent, const char* key, const std::string& path,
                        std::vector<NamedMatch>& out) {
  Node n = parent.get(key);
  if (!n.isDefined()) return;
  std::string p = Decoder::join(path, key);
  if (!d.anyMap(n, p)) return;
  out.clear();
  for (size_t i = 0; i < n.size(); ++i) {
    NamedMatch m;
    m.name = n.key(i).str();
    decodeStringMatch(d, n.value(i), Decoder::join(p, m.name), m.match);
    out.push_back(std::move(m));
  }
}

void decodeHeaderOps(Decoder& d, const Node& n, const std::string& path, HeaderOperations& out) {
  if (!d.map(n, path, {"set", "add", "remove"})) return;
  for (const char* key : {"set", "add"}) {
    Node m = n.get(key);
    if (!m.isDefined()) continue;
    std::string p = Decoder::join(path, key);
    if (!d.anyMap(m, p)) continue;
    for (size_t i = 0; i < m.size(); ++i) {
      std::string name = m.key(i).str();
      std::string value;
      d.str(m, name.c_str(), p, value);
      (std::string(key) == "set" ? out.set : out.add).emplace_back(name, value);
    }
  }
  Node r = n.get("remove");
  if (r.isDefined() && d.list(r, Decoder::join(path, "remove"))) {
    for (size_t i = 0; i < r.size(); ++i) {
      if (!r.item(i).isScalar()) {
        d.fail(r.item(i), Decoder::index(Decoder::join(path, "remove"), i), "expected a header name, found " + Decoder::found(r.item(i)));
        continue;
      }
      out.remove.push_back(r.item(i).str());
    }
  }
}

void decodeHeaderPolicy(Decoder& d, const Node& parent, const std::string& path, HeaderPolicy& out) {
  Node n = parent.get("headers");
  if (!n.isDefined()) return;
  std::string p = Decoder::join(path, "headers");
  if (!d.map(n, p, {"request", "response"})) return;
  if (n.get("request").isDefined()) decodeHeaderOps(d, n.get("request"), Decoder::join(p, "request"), out.request);
  if (n.get("response").isDefined()) decodeHeaderOps(d, n.get("response"), Decoder::join(p, "response"), out.response);
}

uint32_t parseRetryOn(Decoder& d, const Node& n, const std::string& path, const std::string& text) {
  uint32_t bits = 0;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item == "5xx") bits |= kRetry5xx;
    else if (item == "gateway-error") bits |= kRetryGatewayError;
    else if (item == "connect-failure") bits |= kRetryConnectFailure;
    else if (item == "refused-stream") bits |= kRetryRefusedStream;
    else if (item == "reset") bits |= kRetryReset;
    else if (item == "retriable-4xx") bits |= kRetryRetriable4xx;
    else d.fail(n, path, "unknown retryOn condition \"" + item + "\" (expected 5xx, gateway-error, connect-failure, "
                         "refused-stream, reset, retriable-4xx)");
  }
  return bits;
}

void decodeRoute(Decoder& d, const Node& n, const std::string& path, RouteConfig& r) {
  if (!d.map(n, path, {"name", "match", "route", "mirror", "rewrite", "retries", "timeout", "headers"})) return;
  if (Node rw = n.get("rewrite"); rw.isDefined()) {
    std::string p = Decoder::join(path, "rewrite");
    if (d.map(rw, p, {"uri", "authority"})) {
      Rewrite w;
      d.str(rw, "uri", p, w.uri);
      d.str(rw, "authority", p, w.authority);
      r.rewrite = w;
    }
  }
  d.str(n, "name", path, r.name);
  if (Node m = n.get("match"); m.isDefined() && d.list(m, Decoder::join(path, "match"))) {
    for (size_t i = 0; i < m.size(); ++i) {
      std::string p = Decoder::index(Decoder::join(path, "match"), i);
      RouteMatch rm;
      if (!d.map(m.item(i), p, {"uri", "method", "authority", "headers", "withoutHeaders", "queryParams", "cookies",
                           "ignoreUriCase"})) {
        continue;
      }
      for (auto [key, field] : {std::pair{"uri", &rm.uri}, {"method", &rm.method}, {"authority", &rm.authority}}) {
        if (m.item(i).get(key).isDefined()) {
          field->emplace();
          decodeStringMatch(d, m.item(i).get(key), Decoder::join(p, key), **field);
        }
      }
      decodeNamedMatches(d, m.item(i), "headers", p, rm.headers);
      decodeNamedMatches(d, m.item(i), "withoutHeaders", p, rm.withoutHeaders);
      decodeNamedMatches(d, m.item(i), "queryParams", p, rm.queryParams);
      decodeNamedMatches(d, m.item(i), "cookies", p, rm.cookies);
      d.boolean(m.item(i), "ignoreUriCase", p, rm.ignoreUriCase);
      r.match.push_back(std::move(rm));
    }
  }
  d.required(n, "route", path);
  if (Node rt = n.get("route"); rt.isDefined() && d.list(rt, Decoder::join(path, "route"))) {
    for (size_t i = 0; i < rt.size(); ++i) {
      std::string p = Decoder::index(Decoder::join(path, "route"), i);
      WeightedCluster wc;
      if (!d.map(rt.item(i), p, {"cluster", "weight", "headers"})) continue;
      d.required(rt.item(i), "cluster", p);
      d.str(rt.item(i), "cluster", p, wc.cluster);
      wc.weight = rt.size() == 1 ? 100 : 0;
      d.uint(rt.item(i), "weight", p, wc.weight, 100);
      decodeHeaderPolicy(d, rt.item(i), p, wc.headers);
      r.route.push_back(std::move(wc));
    }
  }
  if (Node m = n.get("mirror"); m.isDefined()) {
    std::string p = Decoder::join(path, "mirror");
    if (d.map(m, p, {"cluster", "percentage"})) {
      MirrorPolicy mp;
      d.required(m, "cluster", p);
      d.str(m, "cluster", p, mp.cluster);
      d.number(m, "percentage", p, mp.percentage, 0, 100);
      r.mirror = mp;
    }
  }
  if (Node rt = n.get("retries"); rt.isDefined()) {
    std::string p = Decoder::join(path, "retries");
    if (d.map(rt, p, {"attempts", "perTryTimeout", "retryOn"})) {
      d.uint(rt, "attempts", p, r.retries.attempts, 10);
      d.duration(rt, "perTryTimeout", p, r.retries.perTryTimeout);
      if (d.str(rt, "retryOn", p, r.retries.retryOnText)) {
        r.retries.retryOn = parseRetryOn(d, rt.get("retryOn"), Decoder::join(p, "retryOn"), r.retries.retryOnText);
      } else if (r.retries.attempts > 0) {
        r.retries.retryOnText = "connect-failure,refused-stream,gateway-error";  // Istio's default
        r.retries.retryOn = kRetryConnectFailure | kRetryRefusedStream | kRetryGatewayError;
      }
    }
  }
  d.duration(n, "timeout", path, r.timeout);
  decodeHeaderPolicy(d, n, path, r.headers);
}

void decodeListener(Decoder& d, const Node& n, const std::string& path, ListenerConfig& l) {
  if (!d.map(n, path, {"name", "address", "port", "reporter", "source", "routes"})) return;
  d.required(n, "name", path);
  d.str(n, "name", path, l.name);
  d.str(n, "address", path, l.address);
  d.uint(n, "port", path, l.port, 65535);
  d.str(n, "reporter", path, l.reporter);
  if (Node s = n.get("source"); s.isDefined()) {
    std::string p = Decoder::join(path, "source");
    if (d.map(s, p, {"workload", "namespace", "app", "version"})) {
      d.str(s, "workload", p, l.source.workload);
      d.str(s, "namespace", p, l.source.namespace_);
      d.str(s, "app", p, l.source.app);
      d.str(s, "version", p, l.source.version);
    }
  }
  d.required(n, "routes", path);
  if (Node rs = n.get("routes"); rs.isDefined() && d.list(rs, Decoder::join(path, "routes"))) {
    for (size_t i = 0; i < rs.size(); ++i) {
      RouteConfig r;
      decodeRoute(d, rs.item(i), Decoder::index(Decoder::join(path, "routes"), i), r);
      l.routes.push_back(std::move(r));
    }
  }
}

void decodeCluster(Decoder& d, const Node& n, const std::string& path, ClusterConfig& c) {
  if (!d.map(n, path, {"name", "endpoints", "loadBalancer", "connectTimeout", "maxIdleConnections",
                       "idleTimeout", "outlierDetection", "workload"})) {
    return;
  }
  d.required(n, "name", path);
  d.str(n, "name", path, c.name);
  d.required(n, "endpoints", path);
  if (Node es = n.get("endpoints"); es.isDefined() && d.list(es, Decoder::join(path, "endpoints"))) {
    for (size_t i = 0; i < es.size(); ++i) {
      std::string p = Decoder::index(Decoder::join(path, "endpoints"), i);
      std::string s = es.item(i).isScalar() ? es.item(i).str() : "";
      size_t colon = s.rfind(':');
      uint64_t port = 0;
      auto [ptr, ec] = colon == std::string::npos
                           ? std::from_chars_result{nullptr, std::errc::invalid_argument}
                           : std::from_chars(s.data() + colon + 1, s.data() + s.size(), port);
      if (colon == std::string::npos || colon == 0 || ec != std::errc() || ptr != s.data() + s.size() || port == 0 ||
          port > 65535) {
        d.fail(es.item(i), p, "expected \"host:port\" with a port in [1, 65535], found " +
                                  (es.item(i).isScalar() ? yaml::quoteValue(s) : Decoder::found(es.item(i))));
        continue;
      }
      std::string host = s.substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      c.endpoints.push_back(Endpoint{host, static_cast<uint16_t>(port)});
    }
  }
  std::string lb;
  if (d.str(n, "loadBalancer", path, lb)) {
    if (lb == "ROUND_ROBIN") c.loadBalancer = ClusterConfig::LbPolicy::RoundRobin;
    else if (lb == "LEAST_REQUEST") c.loadBalancer = ClusterConfig::LbPolicy::LeastRequest;
    else d.fail(n.get("loadBalancer"), Decoder::join(path, "loadBalancer"),
                "expected ROUND_ROBIN or LEAST_REQUEST, found " + yaml::quoteValue(lb));
  }
  d.duration(n, "connectTimeout", path, c.connectTimeout);
  d.uint(n, "maxIdleConnections", path, c.maxIdleConnections, 100000);
  d.duration(n, "idleTimeout", path, c.idleTimeout);
  if (Node o = n.get("outlierDetection"); o.isDefined()) {
    std::string p = Decoder::join(path, "outlierDetection");
    if (d.map(o, p, {"consecutive5xxErrors", "consecutiveGatewayErrors", "baseEjectionTime", "maxEjectionPercent"})) {
      d.uint(o, "consecutive5xxErrors", p, c.outlierDetection.consecutive5xxErrors, 1000000);
      d.uint(o, "consecutiveGatewayErrors", p, c.outlierDetection.consecutiveGatewayErrors, 1000000);
      d.duration(o, "baseEjectionTime", p, c.outlierDetection.baseEjectionTime);
      d.uint(o, "maxEjectionPercent", p, c.outlierDetection.maxEjectionPercent, 100);
    }
  }
  if (Node w = n.get("workload"); w.isDefined()) {
    std::string p = Decoder::join(path, "workload");
    if (d.map(w, p, {"name", "namespace", "app", "version", "service", "serviceNamespace"})) {
      d.str(w, "name", p, c.workload.workload);
      d.str(w, "namespace", p, c.workload.namespace_);
      d.str(w, "app", p, c.workload.app);
      d.str(w, "version", p, c.workload.version);
      d.str(w, "service", p, c.workload.service);
      d.str(w, "serviceNamespace", p, c.workload.serviceNamespace);
    }
  }
  if (c.workload.workload.empty()) c.workload.workload = c.name;
  if (c.workload.app.empty()) c.workload.app = c.workload.workload;
  if (c.workload.service.empty()) c.workload.service = c.name;
  if (c.workload.serviceNamespace.empty()) c.workload.serviceNamespace = c.workload.namespace_;
}

void decodeRoot(Decoder& d, const Node& root, ProxyConfig& cfg) {
  if (!d.map(root, "", {"workers", "batchSends", "admin", "limits", "listeners", "clusters"})) return;
  d.uint(root, "workers", "", cfg.workers, 64);
  d.boolean(root, "batchSends", "", cfg.batchSends);
  if (Node a = root.get("admin");
      a.isDefined() && d.map(a, "admin", {"address", "port", "enabled", "token", "tokenFile", "allowedHosts"})) {
    d.str(a, "address", "admin", cfg.admin.address);
    d.uint(a, "port", "admin", cfg.admin.port, 65535);
    d.boolean(a, "enabled", "admin", cfg.admin.enabled);
    d.str(a, "token", "admin", cfg.admin.token);
    d.str(a, "tokenFile", "admin", cfg.admin.tokenFile);
    if (Node h = a.get("allowedHosts"); h.isDefined() && d.list(h, "admin.allowedHosts")) {
      for (size_t i = 0; i < h.size(); ++i) {
        std::string p = Decoder::index("admin.allowedHosts", i);
        Node item = h.item(i);
        if (!item.isScalar() || item.scalar().empty()) {
          d.fail(item, p, "expected a host name, found " + std::string(item.isScalar() ? "\"\"" : "a collection"));
        } else {
          cfg.admin.allowedHosts.push_back(item.str());
        }
      }
    }
  }
  if (Node l = root.get("limits");
      l.isDefined() && d.map(l, "limits", {"maxRequestHeadersBytes", "maxRequestBodyBytes", "maxResponseBytes",
                                           "largeRequestBodies", "idleTimeout", "abortOnClientClose"})) {
    d.uint(l, "maxRequestHeadersBytes", "limits", cfg.limits.maxRequestHeadersBytes, 1u << 20);
    d.uint(l, "maxRequestBodyBytes", "limits", cfg.limits.maxRequestBodyBytes, 1ull << 32);
    d.uint(l, "maxResponseBytes", "limits", cfg.limits.maxResponseBytes, 1ull << 32);
    std::string large;
    if (d.str(l, "largeRequestBodies", "limits", large)) {
      if (large == "stream") cfg.limits.largeRequestBodies = Limits::LargeBodies::Stream;
      else if (large == "reject") cfg.limits.largeRequestBodies = Limits::LargeBodies::Reject;
      else d.fail(l.get("largeRequestBodies"), "limits.largeRequestBodies", "expected stream or reject, found " + yaml::quoteValue(large));
    }
    d.duration(l, "idleTimeout", "limits", cfg.limits.idleTimeout);
    d.boolean(l, "abortOnClientClose", "limits", cfg.limits.abortOnClientClose);
  }
  d.required(root, "listeners", "");
  if (Node ls = root.get("listeners"); ls.isDefined() && d.list(ls, "listeners")) {
    for (size_t i = 0; i < ls.size(); ++i) {
      ListenerConfig l;
      decodeListener(d, ls.item(i), Decoder::index("listeners", i), l);
      cfg.listeners.push_back(std::move(l));
    }
  }
  if (Node cs = root.get("clusters"); cs.isDefined() && d.list(cs, "clusters")) {
    for (size_t i = 0; i < cs.size(); ++i) {
      ClusterConfig c;
      decodeCluster(d, cs.item(i), Decoder::index("clusters", i), c);
      cfg.clusters.push_back(std::move(c));
    }
  }
}

}  // namespace

Error joinErrors(const ErrorList& errors) {
  std::string msg;
  for (const Error& e : errors) msg += (msg.empty() ? "" : "\n") + e.format();
  return makeError(ErrorCode::Invalid, msg);
}

Result<ProxyConfig> decodeProxyConfig(const std::string& text, const std::string& file) {
  ErrorList errors;
  PosMap positions;
  ProxyConfig cfg;
  yaml::Document doc;
  if (yaml::parseText(text, file, doc, errors)) {
    Decoder d(file, errors, positions);
    decodeRoot(d, doc.root(), cfg);
  }
  // Semantic checks run even after structural errors (all problems at once), except where a
  // structural error already covers the same field or one of its parents/children.
  const size_t structural = errors.size();
  auto covered = [&](const std::string& path) {
    for (size_t i = 0; i < structural; ++i) {
      const std::string& p = errors[i].path;
      if (p.empty() || path.rfind(p, 0) == 0 || p.rfind(path, 0) == 0) return true;
    }
    return false;
  };
  {
    ErrorList semantic;
    validateProxyConfig(cfg, semantic);
    for (Error& e : semantic) {
      if (covered(e.path)) continue;
      // The longest recorded path that prefixes the error's path gives its position.
      std::string p = e.path;
      while (!p.empty()) {
        if (auto it = positions.find(p); it != positions.end()) {
          e.pos = it->second;
          break;
        }
        size_t cut = p.find_last_of(".[");
        p = cut == std::string::npos ? std::string() : p.substr(0, cut);
      }
      if (e.pos.file.empty()) e.pos.file = file;
      errors.push_back(std::move(e));
    }
  }
  if (!errors.empty()) return joinErrors(errors);
  return cfg;
}

Result<ProxyConfig> loadProxyConfigFile(const std::string& path) {
  std::string text;
  if (auto read = yaml::readFile(path, text); !read) {
    return makeError(ErrorCode::Io, "cannot read proxy config file " + path + " (" + read.error().message + ")");
  }
  return decodeProxyConfig(text, path);
}

}  // namespace aviary::proxy
