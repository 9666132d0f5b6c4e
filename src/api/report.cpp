#include "api/report.h"

#include <algorithm>
#include <tuple>

namespace aviary::api {
namespace {

Json errorJson(const Error& e) {
  return Json{{"file", e.pos.file}, {"line", e.pos.line},   {"column", e.pos.column},
              {"path", e.path},     {"message", e.message}, {"code", toString(e.code)}};
}

// True when one path is a component-wise prefix of the other ("spec.analysis" and
// "spec.analysis.stepWeight", "a.b[0]" and "a.b[0].c").
bool related(const std::string& a, const std::string& b) {
  const std::string& s = a.size() <= b.size() ? a : b;
  const std::string& l = a.size() <= b.size() ? b : a;
  return l.compare(0, s.size(), s) == 0 && (l.size() == s.size() || l[s.size()] == '.' || l[s.size()] == '[');
}

std::vector<Finding> semantic(const LoadResult& loaded, const DocumentInfo& d, const ValidateOptions& opts,
                              size_t& unchecked) {
  const bool rejected = d.index < 0;
  const int i = rejected ? d.rejectedIndex : d.index;
  if (i < 0) return {};
  std::vector<Finding> out;
  switch (d.type) {
    case DocumentInfo::Type::Canary: {
      const auto& c = rejected ? loaded.rejectedCanaries[i] : loaded.canaries[i];
      if (!opts.requireTemplates && c.spec.analysis)
        for (const auto& m : c.spec.analysis->metrics) unchecked += m.templateRef.has_value();
      out = validateCanary(c, loaded.templates, loaded.alertProviders, opts);
      for (auto& f : validateTargetRef(c, loaded.workloads, opts)) out.push_back(std::move(f));
      break;
    }
    case DocumentInfo::Type::MetricTemplate:
      out = validateTemplate(rejected ? loaded.rejectedTemplates[i] : loaded.templates[i], opts);
      break;
    case DocumentInfo::Type::AlertProvider:
      out = validateAlertProvider(rejected ? loaded.rejectedAlertProviders[i] : loaded.alertProviders[i], opts);
      break;
    case DocumentInfo::Type::Workload:
      out = validateWorkload(rejected ? loaded.rejectedWorkloads[i] : loaded.workloads[i], opts);
      break;
    default:
      break;
  }
  if (!rejected) return out;
  // A partially decoded resource: drop findings about fields near a structural error (their
  // values are defaults, not what the user wrote), and warnings, which would mostly be noise.
  std::erase_if(out, [&](const Finding& f) {
    if (f.severity == Finding::Severity::Warning) return true;
    for (size_t e = d.errorsBegin; e < d.errorsEnd; ++e)
      if (related(f.error.path, loaded.errors[e].path) || loaded.errors[e].path.empty()) return true;
    return false;
  });
  return out;
}

}  // namespace

const char* ResourceReport::status() const {
  if (!errors.empty()) return "invalid";
  return doc.type == DocumentInfo::Type::Other ? "skipped" : "ok";
}

std::string ResourceReport::displayName() const {
  std::string kind = doc.kind.empty() ? "document" : doc.kind;
  if (doc.type == DocumentInfo::Type::Unparsed && doc.name.empty())
    return kind + " at " + doc.pos.file + ":" + std::to_string(doc.pos.line);
  std::string name = doc.name.empty() ? "(unnamed)" : doc.name;
  if (!doc.namespace_.empty()) name = doc.namespace_ + "/" + name;
  return kind + " " + name;
}

std::vector<ResourceReport> checkAll(const LoadResult& loaded, bool strict) {
  ValidateOptions opts;
  opts.strict = strict;
  for (const auto& d : loaded.documents) {
    opts.requireTemplates = opts.requireTemplates || d.type == DocumentInfo::Type::MetricTemplate;
    opts.requireAlertProviders = opts.requireAlertProviders || d.type == DocumentInfo::Type::AlertProvider;
  }
  std::vector<ResourceReport> out;
  out.reserve(loaded.documents.size());
  for (const auto& d : loaded.documents) {
    ResourceReport r;
    r.doc = d;
    r.errors.assign(loaded.errors.begin() + d.errorsBegin, loaded.errors.begin() + d.errorsEnd);
    for (size_t i = d.warningsBegin; i < d.warningsEnd; ++i)
      (strict ? r.errors : r.warnings).push_back(loaded.warnings[i]);
    for (auto& f : semantic(loaded, d, opts, r.uncheckedTemplateRefs))
      (f.severity == Finding::Severity::Error ? r.errors : r.warnings).push_back(std::move(f.error));
    auto byPos = [](const Error& a, const Error& b) {
      return std::tie(a.pos.line, a.pos.column) < std::tie(b.pos.line, b.pos.column);
    };
    std::stable_sort(r.errors.begin(), r.errors.end(), byPos);
    std::stable_sort(r.warnings.begin(), r.warnings.end(), byPos);
    out.push_back(std::move(r));
  }
  return out;
}

std::string formatText(const std::vector<ResourceReport>& reports) {
  std::string out;
  for (const auto& r : reports) {
    for (const auto& e : r.errors) out += e.format() + "\n";
    for (const auto& w : r.warnings) {
      Error copy = w;
      copy.path = copy.path.empty() ? "warning" : "warning: " + copy.path;
      out += copy.format() + "\n";
    }
    if (!r.errors.empty()) {
      out += "invalid  " + r.displayName() + ": " + std::to_string(r.errors.size()) +
             (r.errors.size() == 1 ? " error\n" : " errors\n");
    } else if (r.doc.type == DocumentInfo::Type::Other) {
      out += "skip  " + r.displayName() + " (" + r.doc.apiVersion + " is not a flagger.app or aviary.dev resource)\n";
    } else {
      out += "ok  " + r.displayName();
      if (!r.warnings.empty())
        out += " (" + std::to_string(r.warnings.size()) + (r.warnings.size() == 1 ? " warning)" : " warnings)");
      out += "\n";
    }
  }
  return out;
}

Json formatJson(const std::vector<ResourceReport>& reports) {
  Json resources = Json::array();
  size_t errors = 0, warnings = 0;
  for (const auto& r : reports) {
    Json j{{"file", r.doc.pos.file}, {"line", r.doc.pos.line},  {"apiVersion", r.doc.apiVersion},
           {"kind", r.doc.kind},     {"name", r.doc.name},      {"namespace", r.doc.namespace_},
           {"status", r.status()},   {"errors", Json::array()}, {"warnings", Json::array()}};
    for (const auto& e : r.errors) j["errors"].push_back(errorJson(e));
    for (const auto& w : r.warnings) j["warnings"].push_back(errorJson(w));
    errors += r.errors.size();
    warnings += r.warnings.size();
    resources.push_back(std::move(j));
  }
  return Json{{"ok", errors == 0}, {"errors", errors}, {"warnings", warnings}, {"resources", std::move(resources)}};
}

}  // namespace aviary::api
