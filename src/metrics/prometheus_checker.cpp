#include "metrics/prometheus_checker.h"
#include "common/quote.h"

#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "metrics/builtin_queries.h"
#include "metrics/query_template.h"

namespace aviary::metrics {
namespace {

std::string orDefault(const std::string& ns) {
  return ns.empty() ? "default" : ns;
}

std::string lowerFirst(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

Error withMessage(const Error& e, std::string message) {
  Error out = e;
  out.message = std::move(message);
  return out;
}

}  // namespace

PrometheusChecker::PrometheusChecker(TemplateSourcePtr templates, SecretSourcePtr secrets,
                                     PrometheusCheckerOptions options)
    : templates_(std::move(templates)), secrets_(std::move(secrets)), options_(std::move(options)) {}

PrometheusChecker::PrometheusChecker(std::vector<api::MetricTemplate> templates, SecretSourcePtr secrets,
                                     PrometheusCheckerOptions options)
    : PrometheusChecker(std::make_shared<VectorTemplateSource>(std::move(templates)), std::move(secrets),
                        std::move(options)) {}

std::shared_ptr<const api::MetricTemplate> PrometheusChecker::findTemplate(const std::string& name,
                                                                           const std::string& namespace_) const {
  return templates_->find(name, orDefault(namespace_));
}

VectorTemplateSource::VectorTemplateSource(std::vector<api::MetricTemplate> templates) {
  for (auto& t : templates) templates_.push_back(std::make_shared<const api::MetricTemplate>(std::move(t)));
}

std::shared_ptr<const api::MetricTemplate> VectorTemplateSource::find(const std::string& name,
                                                                      const std::string& ns) const {
  for (const auto& t : templates_) {
    if (t->metadata.name == name && orDefault(t->metadata.namespace_) == ns) return t;
  }
  return nullptr;
}

std::vector<std::string> VectorTemplateSource::keys() const {
  std::vector<std::string> out;
  for (const auto& t : templates_) out.push_back(t->metadata.name + "." + orDefault(t->metadata.namespace_));
  return out;
}

std::string PrometheusChecker::canaryAddress(const api::Canary& canary) const {
  if (!options_.overrideAddress.empty()) return options_.overrideAddress;
  if (!canary.spec.metricsServer.empty()) return canary.spec.metricsServer;
  return options_.defaultAddress;
}

Result<PreparedMetric> PrometheusChecker::templateProvider(const api::Canary& canary, const api::CanaryMetric& metric,
                                                           std::shared_ptr<const api::MetricTemplate>* found) const {
  const auto& ref = *metric.templateRef;
  std::string ns = ref.namespace_.empty() ? orDefault(canary.metadata.namespace_) : ref.namespace_;
  std::string key = ref.name + "." + ns;
  auto t = findTemplate(ref.name, ns);
  if (t == nullptr) {
    std::string known;
    for (const auto& other : templates_->keys()) known += (known.empty() ? "" : ", ") + other;
    return makeError(ErrorCode::NotFound,
                     fmt::format("Metric template {} error: metrictemplate.flagger.app {} not found in namespace {} "
                                 "(loaded templates: {})",
                                 key, quote(ref.name), ns, known.empty() ? "none" : known));
  }
  *found = t;
  PreparedMetric p;
  p.kind = MetricKind::Template;
  p.source = "template " + key;
  const std::string& type = t->provider.type;
  if (!type.empty() && type != "prometheus") {
    return makeError(ErrorCode::Invalid,
                     fmt::format("Metric template {} provider {} error: provider type {} is not supported by Aviary "
                                 "(supported: prometheus)",
                                 key, type, quote(type)));
  }
  p.provider.address = !options_.overrideAddress.empty() ? options_.overrideAddress
                       : !t->provider.address.empty()    ? t->provider.address
                                                         : options_.defaultAddress;
  p.provider.timeout = options_.timeout;
  p.provider.insecureSkipVerify = t->provider.insecureSkipVerify;
  p.provider.headers = t->provider.headers;
  if (!t->provider.secretRefName.empty()) {
    const std::string& secret = t->provider.secretRefName;
    if (!secrets_) {
      return makeError(ErrorCode::NotFound, fmt::format("Metric template {} secret {} error: no secret source is "
                                                        "configured (use --secrets-dir or AVIARY_SECRET_* variables)",
                                                        key, secret));
    }
    // The Secret lives in the template's namespace (Flagger §4.4).
    auto data = secrets_->get(orDefault(t->metadata.namespace_), secret);
    if (!data.ok()) {
      return withMessage(data.error(),
                         fmt::format("Metric template {} secret {} error: {}", key, secret, data.error().message));
    }
    if (auto st = applyPrometheusCredentials(p.provider, *data); !st.ok()) {
      return withMessage(st.error(), fmt::format("Metric template {} provider {} error: {}", key,
                                                 type.empty() ? "prometheus" : type, st.error().message));
    }
  }
  if (auto client = PrometheusClient::create(p.provider); !client.ok()) {
    return withMessage(client.error(), fmt::format("Metric template {} provider {} error: {}", key,
                                                   type.empty() ? "prometheus" : type, client.error().message));
  }
  return p;
}

Result<PreparedMetric> PrometheusChecker::prepare(const api::Canary& canary, const api::CanaryMetric& metric) const {
  MetricKind kind = classify(metric);
  QueryModel model = makeQueryModel(canary, metric);
  if (kind == MetricKind::Template) {
    std::shared_ptr<const api::MetricTemplate> t;
    auto p = templateProvider(canary, metric, &t);
    if (!p.ok()) return p;
    auto rendered = renderQuery(t->query, model);
    if (!rendered.ok()) {
      return withMessage(rendered.error(), fmt::format("Metric template {}.{} query render error: {}", t->metadata.name,
                                                       orDefault(t->metadata.namespace_), rendered.error().message));
    }
    p->query = collapseWhitespace(*rendered);
    return p;
  }
  if (kind == MetricKind::Invalid) {
    return makeError(ErrorCode::Invalid, "no usable metrics template and query were configured");
  }
  PreparedMetric p;
  p.kind = kind;
  p.provider.address = canaryAddress(canary);
  p.provider.timeout = options_.timeout;
  if (auto client = PrometheusClient::create(p.provider); !client.ok()) {
    return withMessage(client.error(), fmt::format("error building Prometheus client for {} {}", p.provider.address,
                                                   client.error().message));
  }
  std::string_view text = metric.query;
  if (kind == MetricKind::Query) {
    p.source = "in-line query";
  } else {
    std::string provider = metricsProviderFor(canary, options_.meshProvider);
    auto builtin = builtinQueryTemplate(kind, provider);
    if (!builtin.ok()) return builtin.error();
    text = *builtin;
    p.source = "builtin (istio observer, provider " + provider + ")";
  }
  auto rendered = renderQuery(text, model);
  if (!rendered.ok()) {
    // Flagger ignores render errors of in-line queries and sends an empty query [Q]; Aviary reports them.
    return withMessage(rendered.error(), "rendering query failed: " + rendered.error().message);
  }
  p.query = collapseWhitespace(*rendered);
  return p;
}

MetricAnswer PrometheusChecker::evaluate(const api::Canary& canary, const api::CanaryMetric& metric) {
  auto prepared = prepare(canary, metric);
  if (!prepared.ok()) return MetricAnswer::error(prepared.error().message);
  const PreparedMetric& p = *prepared;
  auto client = PrometheusClient::create(p.provider);
  if (!client.ok()) return MetricAnswer::error(client.error().message, p.query);  // checked in prepare()
  auto value = client->query(p.query);
  bool builtin = p.kind == MetricKind::SuccessRate || p.kind == MetricKind::Duration;
  if (!value.ok()) {
    const Error& e = value.error();
    if (e.code == ErrorCode::NoValues) {
      return MetricAnswer::noValues(builtin ? "running query failed: " + e.message : e.message, p.query);
    }
    if (builtin) return MetricAnswer::error("running query failed: " + e.message, p.query);
    // In-line and template query failures: the engine adds "Prometheus query failed for <m>: " /
    // "Metric query failed for <m>: ".
    return MetricAnswer::error(e.message, p.query);
  }
  double v = *value;
  // Flagger converts the P99 to a time.Duration of whole milliseconds before comparing.
  if (p.kind == MetricKind::Duration && std::isfinite(v)) v = std::trunc(v);
  return MetricAnswer::ofValue(v, p.query);
}

Status PrometheusChecker::checkProviders(const api::Canary& canary) {
  if (!canary.spec.analysis) return okStatus();
  std::set<std::string> online;  // addresses already checked in this call
  for (const auto& metric : canary.spec.analysis->metrics) {
    MetricKind kind = classify(metric);
    if (kind == MetricKind::SuccessRate || kind == MetricKind::Duration) {
      PrometheusOptions o;
      o.address = canaryAddress(canary);
      o.timeout = options_.timeout;
      if (online.count(o.address)) continue;
      auto client = PrometheusClient::create(o);
      if (!client.ok()) {
        return withMessage(client.error(), fmt::format("error building Prometheus client for {} {}", o.address,
                                                       client.error().message));
      }
      // Flagger spells it "avaiable"; Aviary spells it right.
      if (auto st = client->isOnline(); !st.ok()) {
        return withMessage(st.error(), "prometheus not available: " + st.error().message);
      }
      online.insert(o.address);
    } else if (kind == MetricKind::Template) {
      std::shared_ptr<const api::MetricTemplate> t;
      auto p = templateProvider(canary, metric, &t);
      if (!p.ok()) return withMessage(p.error(), lowerFirst(p.error().message));
      auto client = PrometheusClient::create(p->provider);
      if (!client.ok()) return withMessage(client.error(), lowerFirst(client.error().message));
      if (auto st = client->isOnline(); !st.ok()) {
        std::string type = t->provider.type.empty() ? "prometheus" : t->provider.type;
        return withMessage(st.error(),
                           fmt::format("{} in metric template {}.{} not available: {}", type, t->metadata.name,
                                       orDefault(t->metadata.namespace_), st.error().message));
      }
    }
  }
  return okStatus();
}

}  // namespace aviary::metrics
