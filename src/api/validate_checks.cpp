// Semantic checks of metrics, webhooks and alerts, and of MetricTemplates and AlertProviders.
#include <cstdio>
#include <map>

#include "api/validate_util.h"

namespace aviary::api::detail {
namespace {

bool isBuiltin(const std::string& name) {
  return name == "request-success-rate" || name == "request-duration";
}

std::string orDefault(const std::string& ns) {
  return ns.empty() ? "default" : ns;
}

// Like Go's %v of a float64 for the values users write: 99, 99.5, 0.001.
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// A reference (namespace defaulting to the canary's, empty meaning "default") must name one of
// the given resources.
template <typename T>
void checkResolves(const std::vector<T>& given, const CrossNamespaceObjectReference& ref, const Canary& c,
                   const char* kind, const std::string& path, Findings& f) {
  const std::string ns = orDefault(ref.namespace_.empty() ? c.metadata.namespace_ : ref.namespace_);
  for (const auto& r : given)
    if (r.metadata.name == ref.name && orDefault(r.metadata.namespace_) == ns) return;
  std::string article = kind[0] == 'A' ? "an " : "a ";
  f.error(path, "expected " + article + kind + " " + ns + "/" + ref.name + " among the given files, found none",
          ErrorCode::NotFound);
}

}  // namespace

void Findings::error(const std::string& path, std::string message, ErrorCode code) {
  out_.push_back(Finding{Finding::Severity::Error, Error{code, std::move(message), path, at(path)}});
}

void Findings::warn(const std::string& path, std::string message) {
  auto sev = options_.strict ? Finding::Severity::Error : Finding::Severity::Warning;
  out_.push_back(Finding{sev, Error{ErrorCode::Invalid, std::move(message), path, at(path)}});
}

SourcePos Findings::at(std::string_view path) const {
  while (!path.empty()) {
    if (const LineCol* p = positions_.find(path)) return SourcePos{doc_.file, p->line, p->column};
    size_t cut = path.find_last_of(".[");
    if (cut == std::string_view::npos) break;
    path = path.substr(0, cut);
  }
  return doc_;
}

bool matchesCrdDuration(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  return i > 0 && i < text.size() && (text[i] == 'm' || text[i] == 's');
}

bool isHttpUrl(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  auto s = url.substr(0, scheme);
  if (s != "http" && s != "https") return false;
  auto rest = url.substr(scheme + 3);
  size_t end = rest.find_first_of("/?#");
  auto host = rest.substr(0, end);
  return !host.empty() && host[0] != ':' && host.find_first_of(" \t\r\n") == std::string_view::npos;
}

void checkMetrics(const Canary& c, const CanaryAnalysis& a, const std::string& base, Findings& f) {
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < a.metrics.size(); ++i) {
    const auto& m = a.metrics[i];
    const std::string p = base + ".metrics[" + std::to_string(i) + "]";
    if (auto [it, fresh] = seen.emplace(m.name, i); !fresh)
      f.warn(p + ".name", "duplicate metric name \"" + m.name + "\", also used by metrics[" +
                              std::to_string(it->second) + "]; the metric label will be ambiguous");
    if (!isBuiltin(m.name) && m.query.empty() && !m.templateRef)
      f.error(p,
              "expected a builtin name (request-success-rate, request-duration), a query or a templateRef, "
              "found only the name \"" +
                  m.name + "\"");
    if (!m.query.empty() && m.templateRef) f.warn(p + ".query", "both query and templateRef are set; keep one");
    // Flagger's runMetricChecks tests the builtin names first and then, independently, the
    // templateRef and the query, so such a metric runs two checks there; Aviary runs only the
    // template or query (docs/engine.md, differences).
    if (isBuiltin(m.name) && (m.templateRef || !m.query.empty()))
      f.warn(p + ".name", "named like the builtin \"" + m.name + "\" but has a " +
                              (m.templateRef ? "templateRef" : "query") + ": Aviary runs only the " +
                              (m.templateRef ? "template" : "query") + ", Flagger runs its builtin " + m.name +
                              " check first and then the " + (m.templateRef ? "template" : "query") +
                              "; rename the metric");
    if (!m.query.empty() && !m.templateRef)
      f.warn(p + ".query", "deprecated in-line query: move it to a MetricTemplate and use templateRef");
    if (!m.intervalText.empty() && !matchesCrdDuration(m.intervalText))
      f.warn(p + ".interval", "Flagger's CRD only accepts whole seconds or minutes (pattern ^[0-9]+(m|s)), found \"" +
                                  m.intervalText + "\"");
    if (m.templateRef && m.intervalText.empty())
      f.warn(p + ".interval",
             "not set: Flagger gives templateRef metrics no default, so {{ interval }} renders "
             "empty; set e.g. 1m");
    if (m.thresholdRange && m.thresholdRange->min && m.thresholdRange->max &&
        *m.thresholdRange->min > *m.thresholdRange->max)
      f.error(p + ".thresholdRange", "min must not be greater than max, found min " + number(*m.thresholdRange->min) +
                                         " and max " + number(*m.thresholdRange->max));
    if (m.thresholdRange && !m.thresholdRange->min && !m.thresholdRange->max)
      f.warn(p + ".thresholdRange", "neither min nor max is set: the check can never fail");
    if (m.threshold && m.thresholdRange)
      f.warn(p + ".threshold", "ignored: thresholdRange is set (threshold is deprecated)");
    else if (m.threshold)
      f.warn(p + ".threshold", "deprecated: use thresholdRange (min for request-success-rate, max otherwise)");
    if (!m.threshold && !m.thresholdRange) {
      if (m.name == "request-duration" && !m.templateRef && m.query.empty())
        f.warn(p, "no thresholdRange: Flagger compares against 0 ms, so every non-zero latency fails the check");
      else
        f.warn(p, "no thresholdRange: the check can never fail");
    }
    if (!m.templateVariables.empty() && !m.templateRef)
      f.warn(p + ".templateVariables", "ignored: only templateRef metrics use templateVariables");
    if (m.templateRef && f.options().requireTemplates && f.templates())
      checkResolves(*f.templates(), *m.templateRef, c, "MetricTemplate", p + ".templateRef", f);
  }
}

void checkWebhooksAndAlerts(const Canary& c, const CanaryAnalysis& a, const std::string& base, Findings& f) {
  std::map<std::string, size_t> names;
  for (size_t i = 0; i < a.webhooks.size(); ++i) {
    const auto& w = a.webhooks[i];
    const std::string p = base + ".webhooks[" + std::to_string(i) + "]";
    if (auto [it, fresh] = names.emplace(w.name, i); !fresh)
      f.warn(p + ".name", "duplicate webhook name \"" + w.name + "\", already used by webhooks[" +
                              std::to_string(it->second) + "]: Flagger and Aviary call both, but their events and "
                                                           "alerts cannot be told apart");
    if (!isHttpUrl(w.url)) f.error(p + ".url", "expected an absolute http:// or https:// URL, found \"" + w.url + "\"");
    if (!w.timeout.empty() && !matchesCrdDuration(w.timeout))
      f.warn(p + ".timeout",
             "Flagger's CRD only accepts whole seconds or minutes (pattern ^[0-9]+(m|s)), found \"" + w.timeout + "\"");
    if (w.muteAlert && w.type != HookType::ConfirmRollout && w.type != HookType::ConfirmPromotion &&
        w.type != HookType::ConfirmTrafficIncrease)
      f.warn(p + ".muteAlert", "ignored: only confirm-* hooks send alerts, found type \"" + w.typeText + "\"");
  }
  names.clear();
  for (size_t i = 0; i < a.alerts.size(); ++i) {
    const auto& al = a.alerts[i];
    const std::string p = base + ".alerts[" + std::to_string(i) + "]";
    if (auto [it, fresh] = names.emplace(al.name, i); !fresh)
      f.warn(p + ".name",
             "duplicate alert name \"" + al.name + "\", already used by alerts[" + std::to_string(it->second) + "]");
    if (al.severity.empty())
      f.warn(p + ".severity", "not set: Flagger never sends alerts without a severity; set info, warn or error");
    if (f.options().requireAlertProviders && f.providers())
      checkResolves(*f.providers(), al.providerRef, c, "AlertProvider", p + ".providerRef", f);
  }
}

}  // namespace aviary::api::detail

namespace aviary::api {

std::vector<Finding> validateTemplate(const MetricTemplate& t, const ValidateOptions& options) {
  detail::Findings f(t.pos, t.positions, options);
  int depth = 0;
  for (size_t i = 0; i + 1 < t.query.size(); ++i) {
    if (t.query.compare(i, 2, "{{") == 0)
      ++depth, ++i;
    else if (t.query.compare(i, 2, "}}") == 0) {
      if (--depth < 0) break;
      ++i;
    }
  }
  if (depth != 0) f.error("spec.query", "unbalanced template braces: every {{ needs a matching }}");
  if (t.provider.type == "prometheus" && t.provider.address.empty())
    f.warn("spec.provider.address", "expected the Prometheus URL, found nothing");
  if (!t.provider.address.empty() && t.provider.type != "cloudwatch" && !detail::isHttpUrl(t.provider.address))
    f.error("spec.provider.address",
            "expected an absolute http:// or https:// URL, found \"" + t.provider.address + "\"");
  return f.take();
}

std::vector<Finding> validateAlertProvider(const AlertProvider& p, const ValidateOptions& options) {
  detail::Findings f(p.pos, p.positions, options);
  if (p.address.empty() && p.secretRefName.empty()) f.error("spec", "expected address or secretRef, found neither");
  if (!p.address.empty() && !detail::isHttpUrl(p.address))
    f.error("spec.address", "expected an absolute http:// or https:// URL, found \"" + p.address + "\"");
  if (!p.proxy.empty() && !detail::isHttpUrl(p.proxy))
    f.error("spec.proxy", "expected an absolute http:// or https:// URL, found \"" + p.proxy + "\"");
  return f.take();
}

}  // namespace aviary::api
