#include "proxy/snapshot.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <unordered_map>

namespace aviary::proxy {

bool CompiledStringMatch::matches(std::string_view s) const {
  switch (kind) {
    case StringMatch::Kind::Exact: return s == value;
    case StringMatch::Kind::Prefix: return s.substr(0, value.size()) == value;
    case StringMatch::Kind::Regex: return RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re);
  }
  return false;
}

std::string_view RequestView::path() const {
  std::string_view t = head->view(base, head->target);
  size_t q = t.find('?');
  t = q == std::string_view::npos ? t : t.substr(0, q);
  return t.empty() ? std::string_view("/") : t;  // "http://host" and "http://host?q" ask for "/"
}

std::optional<std::string_view> RequestView::host() const {
  return header("host");
}

std::optional<std::string_view> RequestView::header(std::string_view name) const {
  // An absolute-form target's authority replaces the Host header (RFC 9112 §3.2.2).
  if (head->absoluteForm && equalsIgnoreCase(name, "host")) return head->view(base, head->host);
  for (size_t i = 0; i < head->headerCount; ++i) {
    if (equalsIgnoreCase(head->view(base, head->headers[i].name), name)) return head->view(base, head->headers[i].value);
  }
  return std::nullopt;
}

std::optional<std::string_view> RequestView::cookie(std::string_view name) const {
  for (size_t i = 0; i < head->headerCount; ++i) {
    if (!equalsIgnoreCase(head->view(base, head->headers[i].name), "cookie")) continue;
    std::string_view v = head->view(base, head->headers[i].value);
    while (!v.empty()) {
      size_t semi = v.find(';');
      std::string_view pair = v.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
      if (semi == std::string_view::npos) break;
      v.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::string_view> RequestView::queryParam(std::string_view name) const {
  std::string_view t = head->view(base, head->target);
  size_t q = t.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = t.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

namespace {

bool uriMatches(const CompiledStringMatch& m, std::string_view path, bool ignoreCase) {
  if (!ignoreCase || m.kind == StringMatch::Kind::Regex) return m.matches(path);
  if (m.kind == StringMatch::Kind::Exact) return equalsIgnoreCase(path, m.value);
  return path.size() >= m.value.size() && equalsIgnoreCase(path.substr(0, m.value.size()), m.value);
}

CompiledStringMatch compile(const StringMatch& m) {
  CompiledStringMatch c{m.kind, m.value, nullptr};
  if (m.kind == StringMatch::Kind::Regex) c.re = std::make_shared<RE2>(m.value, RE2::Quiet);
  return c;
}

bool matchOne(const CompiledMatch& m, const RequestView& req) {
  if (m.uri && !uriMatches(*m.uri, req.path(), m.ignoreUriCase)) return false;
  if (m.method && !m.method->matches(req.head->view(req.base, req.head->method))) return false;
  if (m.authority) {
    auto host = req.host();
    if (!host || !m.authority->matches(*host)) return false;
  }
  for (const CompiledNamedMatch& h : m.withoutHeaders) {
    auto v = req.header(h.name);
    if (v && h.match.matches(*v)) return false;
  }
  for (const CompiledNamedMatch& q : m.queryParams) {
    auto v = req.queryParam(q.name);
    if (!v || !q.match.matches(*v)) return false;
  }
  for (const CompiledNamedMatch& h : m.headers) {
    // Istio semantics: a header match needs the header present; the Cookie header can be
    // matched as a whole too (Flagger's session-affinity rules do that with a regex).
    auto v = req.header(h.name);
    if (!v || !h.match.matches(*v)) return false;
  }
  for (const CompiledNamedMatch& c : m.cookies) {
    auto v = req.cookie(c.name);
    if (!v || !c.match.matches(*v)) return false;
  }
  return true;
}

std::string escapeLabel(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

LabelSetPtr makeLabels(const ListenerConfig& l, const WorkloadIdentity* w) {
  const std::string unknown = "unknown";
  const std::string& svcName = w ? w->service : unknown;
  const std::string& svcNs = w ? w->serviceNamespace : unknown;
  std::string service = w ? fmt::format("{}.{}.svc.cluster.local", svcName, svcNs) : unknown;
  auto set = std::make_shared<LabelSet>();
  set->text = fmt::format(
      "reporter=\"{}\",source_workload=\"{}\",source_workload_namespace=\"{}\",source_principal=\"unknown\","
      "source_app=\"{}\",source_version=\"{}\",destination_workload=\"{}\",destination_workload_namespace=\"{}\","
      "destination_principal=\"unknown\",destination_app=\"{}\",destination_version=\"{}\","
      "destination_service=\"{}\",destination_service_name=\"{}\",destination_service_namespace=\"{}\","
      "destination_cluster=\"Kubernetes\",request_protocol=\"http\",connection_security_policy=\"{}\"",
      escapeLabel(l.reporter), escapeLabel(l.source.workload), escapeLabel(l.source.namespace_),
      escapeLabel(l.source.app), escapeLabel(l.source.version), escapeLabel(w ? w->workload : unknown),
      escapeLabel(w ? w->namespace_ : unknown), escapeLabel(w ? w->app : unknown),
      escapeLabel(w ? w->version : unknown), escapeLabel(service), escapeLabel(svcName), escapeLabel(svcNs),
      l.reporter == "destination" ? "none" : "unknown");
  return set;
}

}  // namespace

Result<SnapshotPtr> Snapshot::build(ProxyConfig config, size_t workers) {
  ErrorList errors;
  validateProxyConfig(config, errors);
  if (!errors.empty()) return joinErrors(errors);
  auto snap = std::shared_ptr<Snapshot>(new Snapshot());
  snap->config_ = std::move(config);
  const ProxyConfig& cfg = snap->config_;
  std::unordered_map<std::string, uint32_t> index;
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  for (size_t i = 0; i < cfg.clusters.size(); ++i) {
    const ClusterConfig& c = cfg.clusters[i];
    index[c.name] = static_cast<uint32_t>(i);
    CompiledCluster cc{&c, {}};
    for (size_t e = 0; e < c.endpoints.size(); ++e) {
      boost::system::error_code ec;
      auto results = resolver.resolve(c.endpoints[e].host, std::to_string(c.endpoints[e].port),
                                      boost::asio::ip::resolver_base::numeric_service, ec);
      if (ec || results.empty()) {
        errors.push_back(makeError(ErrorCode::Invalid,
                                   "cannot resolve \"" + c.endpoints[e].host + "\": " + ec.message(),
                                   fmt::format("clusters[{}].endpoints[{}]", i, e)));
        continue;
      }
      cc.addresses.push_back(results.begin()->endpoint());
    }
    snap->clusters_.push_back(std::move(cc));
  }
  if (!errors.empty()) return joinErrors(errors);
  for (const ListenerConfig& l : cfg.listeners) {
    CompiledListener cl;
    cl.config = &l;
    ListenerConfig asSource = l;
    asSource.reporter = "source";
    for (const ClusterConfig& c : cfg.clusters) {
      cl.labels.push_back(makeLabels(l, &c.workload));
      cl.sourceLabels.push_back(l.reporter == "source" ? cl.labels.back() : makeLabels(asSource, &c.workload));
    }
    cl.unknownDestination = makeLabels(l, nullptr);
    for (const RouteConfig& r : l.routes) {
      CompiledRoute cr;
      cr.config = &r;
      for (const RouteMatch& m : r.match) {
        CompiledMatch cm;
        if (m.uri) cm.uri = compile(*m.uri);
        if (m.method) cm.method = compile(*m.method);
        if (m.authority) cm.authority = compile(*m.authority);
        for (const NamedMatch& h : m.headers) cm.headers.push_back({h.name, compile(h.match)});
        for (const NamedMatch& h : m.withoutHeaders) cm.withoutHeaders.push_back({h.name, compile(h.match)});
        for (const NamedMatch& q : m.queryParams) cm.queryParams.push_back({q.name, compile(q.match)});
        for (const NamedMatch& c : m.cookies) cm.cookies.push_back({c.name, compile(c.match)});
        cm.ignoreUriCase = m.ignoreUriCase;
        cr.matches.push_back(std::move(cm));
      }
      for (const WeightedCluster& w : r.route) {
        cr.totalWeight += w.weight;
        cr.destinations.push_back({index.at(w.cluster), cr.totalWeight, &w.headers});
      }
      if (r.mirror) {
        cr.mirrorCluster = static_cast<int>(index.at(r.mirror->cluster));
        cr.mirrorPerMillion = static_cast<uint32_t>(r.mirror->percentage * 10000.0 + 0.5);
      }
      cl.routes.push_back(std::move(cr));
    }
    snap->listeners_.push_back(std::move(cl));
  }
  for (size_t w = 0; w < workers; ++w) snap->bindings_.push_back(std::make_unique<WorkerBinding>());
  return SnapshotPtr(std::move(snap));
}

int Snapshot::listenerIndex(std::string_view name) const {
  for (size_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].config->name == name) return static_cast<int>(i);
  }
  return -1;
}

const CompiledRoute* Snapshot::match(const CompiledListener& listener, const RequestView& req,
                                     const CompiledMatch** which) {
  for (const CompiledRoute& r : listener.routes) {
    if (r.matches.empty()) {
      if (which) *which = nullptr;
      return &r;
    }
    for (const CompiledMatch& m : r.matches) {
      if (matchOne(m, req)) {
        if (which) *which = &m;
        return &r;
      }
    }
  }
  return nullptr;
}

void Snapshot::rewriteTarget(std::string_view target, const Rewrite& rewrite, const CompiledMatch* which,
                             std::string& out) {
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q);
  if (which && which->uri && which->uri->kind == StringMatch::Kind::Prefix) {
    out.append(rewrite.uri).append(path.substr(std::min(path.size(), which->uri->value.size())));
  } else {
    out.append(rewrite.uri);
  }
  out.append(query);
}

const CompiledDestination& Snapshot::pick(const CompiledRoute& route, uint64_t random) {
  if (route.totalWeight == 0 || route.destinations.size() == 1) return route.destinations.front();
  uint32_t r = static_cast<uint32_t>(random % route.totalWeight);
  for (const CompiledDestination& d : route.destinations) {
    if (r < d.cumulative) return d;
  }
  return route.destinations.back();
}

}  // namespace aviary::proxy
