// Semantic checks of a Canary: Flagger's own (flagger-scheduler.md §2.2) plus the mistakes a user
// would want caught before applying. Errors are configurations Flagger rejects or that can never
// work; warnings are configurations Flagger accepts that are almost surely mistakes (docs/resources.md
// lists every rule and why it is an error or a warning).
#include "api/validate.h"

#include <algorithm>
#include <set>

#include "api/validate_util.h"

namespace aviary::api {
namespace {

using detail::Findings;

void checkAnalysis(const Canary& c, const CanaryAnalysis& a, Findings& f) {
  const std::string base = c.spec.analysisFromDeprecatedField ? "spec.canaryAnalysis" : "spec.analysis";
  auto p = [&](std::string_view field) { return base + "." + std::string(field); };
  const bool iterations = a.iterations.value_or(0) > 0;

  if (a.intervalText.empty()) {
    f.warn(p("interval"),
           "not set: Flagger's CRD requires it (kubectl apply rejects the Canary), found nothing; "
           "Aviary uses 1m");
  } else {
    if (!detail::matchesCrdDuration(a.intervalText))
      f.warn(p("interval"), "Flagger's CRD only accepts whole seconds or minutes (pattern ^[0-9]+(m|s)), found \"" +
                                a.intervalText + "\"");
    if (auto d = parseDuration(a.intervalText); d.ok() && d.value() < Duration{10000})
      f.warn(p("interval"), "below the 10s minimum, found \"" + a.intervalText + "\"; Flagger and Aviary use 10s");
    else if (!d.ok())  // only texts the CRD pattern accepts get here (decode_canary.cpp)
      f.warn(p("interval"), "expected a Go duration such as 30s or 1m, found \"" + a.intervalText +
                                "\": Flagger's CRD accepts it, and Flagger and Aviary use 60s");
  }
  if (!a.thresholdRaw)
    f.warn(p("threshold"),
           "not set: Flagger's CRD requires it (kubectl apply rejects the Canary), found nothing; "
           "Aviary uses 1");

  const bool steps = a.stepWeight || !a.stepWeights.empty();
  if (!steps && !iterations) {
    std::string msg = "analysis can never advance: expected stepWeight, stepWeights or iterations, found none";
    if (c.spec.skipAnalysis) {
      f.warn(base, msg + " (skipAnalysis is set, but Flagger's CRD still requires one)");
    } else if (a.iterations) {
      // iterations below 1 satisfy the CRD's oneOf; Flagger then runs the canary strategy with a
      // step of 0, at weight 0, until the Canary is edited.
      f.warn(base, "analysis never advances: iterations " + std::to_string(*a.iterations) +
                       " selects the canary strategy, which has no stepWeight or stepWeights; Flagger and Aviary "
                       "stay at weight 0");
    } else {
      f.error(base, msg);
    }
  }
  detail::checkRanges(a, base, f);
  if (iterations) {
    for (const char* field : {"stepWeight", "stepWeights", "maxWeight", "stepWeightPromotion"}) {
      bool set = (field == std::string_view("stepWeight") && a.stepWeight) ||
                 (field == std::string_view("stepWeights") && !a.stepWeights.empty()) ||
                 (field == std::string_view("maxWeight") && a.maxWeight) ||
                 (field == std::string_view("stepWeightPromotion") && a.stepWeightPromotion.value_or(0) > 0);
      if (set)
        f.warn(p(field), std::string("ignored: iterations selects ") +
                             (a.match.empty() ? "Blue/Green" : "A/B testing") + ", which does not shift weights");
    }
  } else {
    if (a.stepWeight && !a.stepWeights.empty())
      f.warn(p("stepWeight"),
             "both stepWeight and stepWeights are set: Flagger uses stepWeight and ignores "
             "stepWeights; remove one");
    if (a.maxWeight && !a.stepWeights.empty() && !a.stepWeight)
      f.warn(p("maxWeight"), "ignored: with stepWeights the last step (" + std::to_string(a.stepWeights.back()) +
                                 ") is the maximum weight");
    // Steps of 0 or less and above 100 are checkRanges' findings.
    if (a.stepWeight && *a.stepWeight > 0 && *a.stepWeight <= 100) {
      int32_t max = effectiveMaxWeight(a);
      if (*a.stepWeight > max) {
        f.warn(p("stepWeight"), "expected at most maxWeight (" + std::to_string(max) + "), found " +
                                    std::to_string(*a.stepWeight) + ": the first step already passes the maximum");
      } else if (max > 0 && max <= 100 && max % *a.stepWeight != 0) {
        int32_t last = std::min(100, (max / *a.stepWeight + 1) * *a.stepWeight);
        f.warn(p("stepWeight"), "maxWeight " + std::to_string(max) + " is not a multiple of stepWeight " +
                                    std::to_string(*a.stepWeight) + ": the canary weight reaches " +
                                    std::to_string(last) + " before promotion");
      }
    }
  }
  if (a.mirrorWeight && !a.mirror) f.warn(p("mirrorWeight"), "ignored: mirror is not true");
  if (a.mirror && c.spec.provider == "kubernetes")
    f.warn(p("mirror"), "ignored: the kubernetes provider cannot mirror traffic");
  if (a.sessionAffinity) {
    const auto& s = *a.sessionAffinity;
    // An empty cookieName is already a structural error (required field).
    if (!s.cookieName.empty() && s.cookieName == s.primaryCookieName)
      f.error(p("sessionAffinity.primaryCookieName"),
              "can't use the same cookie name for both primary and cookie name; please update them to be different");
    if (iterations)
      f.warn(p("sessionAffinity"),
             "ignored: session affinity is a feature of the canary (weighted) strategy, "
             "found iterations");
  }
  detail::checkMetrics(c, a, base, f);
  detail::checkWebhooksAndAlerts(c, a, base, f);
}

void checkRefs(const Canary& c, Findings& f) {
  const auto& s = c.spec;
  const bool knativeTarget =
      s.targetRef.kind == "Service" && s.targetRef.apiVersion.rfind("serving.knative.dev", 0) == 0;
  if (knativeTarget && s.provider != "knative")
    f.error("spec.provider", "can't use " + (s.provider.empty() ? std::string("\"\"") : s.provider) +
                                 " provider with Knative Service as target");
  if (!knativeTarget && s.provider == "knative")
    f.error("spec.targetRef", "can't use " + s.targetRef.apiVersion + "/" + s.targetRef.kind +
                                  " as target if provider is set to knative");
  if (knativeTarget && s.autoscalerRef) f.error("spec.autoscalerRef", "can't use autoscaler with Knative Service");
  if (s.targetRef.kind == kWorkloadKind && s.targetRef.apiVersion != kLocalApiVersion)
    f.error("spec.targetRef.apiVersion", std::string("expected ") + kLocalApiVersion + " for a Workload, found \"" +
                                             s.targetRef.apiVersion + "\"");
  if (s.targetRef.kind != kWorkloadKind && s.targetRef.apiVersion == kLocalApiVersion)
    f.error("spec.targetRef.kind", std::string("expected Workload for ") + kLocalApiVersion + ", found \"" +
                                       s.targetRef.kind + "\"");
  if ((s.targetRef.kind == "Deployment" || s.targetRef.kind == "DaemonSet") && s.targetRef.apiVersion != "apps/v1")
    f.warn("spec.targetRef.apiVersion",
           "expected apps/v1 for a " + s.targetRef.kind + ", found \"" + s.targetRef.apiVersion + "\"");
  if (s.autoscalerRef) {
    const auto& a = *s.autoscalerRef;
    if (a.kind == "HorizontalPodAutoscaler" && a.apiVersion != "autoscaling/v2" &&
        a.apiVersion != "autoscaling/v2beta2")
      f.error("spec.autoscalerRef.apiVersion",
              "expected autoscaling/v2 or autoscaling/v2beta2 for a HorizontalPodAutoscaler, found \"" + a.apiVersion +
                  "\"");
    if (a.kind == "ScaledObject" && a.apiVersion != "keda.sh/v1alpha1")
      f.error("spec.autoscalerRef.apiVersion",
              "expected keda.sh/v1alpha1 for a ScaledObject, found \"" + a.apiVersion + "\"");
    if (a.kind == "HorizontalPodAutoscaler" && !a.primaryScalerQueries.empty())
      f.warn("spec.autoscalerRef.primaryScalerQueries", "ignored: only used with a KEDA ScaledObject");
    if (a.primaryScalerReplicas && a.primaryScalerReplicas->minReplicas && a.primaryScalerReplicas->maxReplicas &&
        *a.primaryScalerReplicas->minReplicas > *a.primaryScalerReplicas->maxReplicas)
      f.error("spec.autoscalerRef.primaryScalerReplicas.minReplicas",
              "expected at most maxReplicas (" + std::to_string(*a.primaryScalerReplicas->maxReplicas) + "), found " +
                  std::to_string(*a.primaryScalerReplicas->minReplicas));
  }
  if (s.service.delegation && (!s.service.hosts.empty() || !s.service.gateways.empty()))
    f.error("spec.service.delegation", "VirtualService " + c.serviceName() + "." + c.metadata.namespace_ +
                                           " cannot have hosts and gateways when delegation enabled");
  if (s.provider.rfind("gatewayapi", 0) == 0 && (s.service.gatewayRefs.is_null() || s.service.gatewayRefs.empty()))
    f.error("spec.service.gatewayRefs", "required by the " + s.provider + " provider, found nothing");
  if (s.provider == "nginx" && !s.ingressRef)
    f.error("spec.ingressRef", "required by the nginx provider, found nothing");
  if (s.provider == "apisix" && !s.routeRef) f.error("spec.routeRef", "required by the apisix provider, found nothing");
  if (s.provider.rfind("appmesh", 0) == 0 && s.service.meshName.empty())
    f.warn("spec.service.meshName", "expected the App Mesh name for the appmesh provider, found nothing");
}

}  // namespace

bool ValidationReport::ok() const {
  return std::none_of(findings.begin(), findings.end(),
                      [](const Finding& f) { return f.severity == Finding::Severity::Error; });
}

int32_t effectiveMaxWeight(const CanaryAnalysis& a) {
  if (!a.stepWeights.empty()) return std::min(100, a.stepWeights.back());
  if (a.maxWeight.value_or(0) > 0) return *a.maxWeight;
  return 100;
}

std::vector<Finding> validateCanary(const Canary& canary, const std::vector<MetricTemplate>& templates,
                                    const std::vector<AlertProvider>& providers, const ValidateOptions& options) {
  Findings f(canary.pos, canary.positions, options, &templates, &providers);
  checkRefs(canary, f);
  if (canary.spec.analysis) {
    checkAnalysis(canary, *canary.spec.analysis, f);
  } else {
    f.error("spec.analysis",
            "required field is missing (Flagger's CRD requires it; use skipAnalysis: true "
            "to promote without analysis)");
  }
  return f.take();
}

std::vector<Finding> validateCanary(const Canary& canary, const std::vector<MetricTemplate>& templates,
                                    const ValidateOptions& options) {
  return validateCanary(canary, templates, {}, options);
}

ValidationReport validate(const LoadResult& loaded, const ValidateOptions& options) {
  ValidationReport report;
  auto add = [&](std::vector<Finding>&& v) {
    report.findings.insert(report.findings.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
  };
  for (const auto& d : loaded.documents) {
    if (d.index < 0) continue;
    switch (d.type) {
      case DocumentInfo::Type::Canary:
        add(validateCanary(loaded.canaries[d.index], loaded.templates, loaded.alertProviders, options));
        add(validateTargetRef(loaded.canaries[d.index], loaded.workloads, options));
        break;
      case DocumentInfo::Type::MetricTemplate:
        add(validateTemplate(loaded.templates[d.index], options));
        break;
      case DocumentInfo::Type::AlertProvider:
        add(validateAlertProvider(loaded.alertProviders[d.index], options));
        break;
      case DocumentInfo::Type::Workload:
        add(validateWorkload(loaded.workloads[d.index], options));
        break;
      default:
        break;
    }
  }
  return report;
}

}  // namespace aviary::api
