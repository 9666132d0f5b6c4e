// Semantic validation rules: each error, each warning, and configurations that must stay valid.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/validate.h"
#include "test_util.h"

namespace aviary::api {
namespace {

using testing::canaryWith;
using ::testing::HasSubstr;
using testing::kMinimalCanary;
using ::testing::Not;
using testing::report;

TEST(Validate, MinimalCanaryIsClean) {
  EXPECT_EQ(report(kMinimalCanary), "ok  Canary test/podinfo\n");
}

TEST(Validate, ValidConfigurationsStayValid) {
  // mirror with the canary strategy (one mirror step, then weights).
  EXPECT_EQ(report(canaryWith("    metrics:\n", "    mirror: true\n    mirrorWeight: 50\n    metrics:\n")),
            "ok  Canary test/podinfo\n");
  // match without iterations: canary strategy on matched traffic.
  EXPECT_EQ(
      report(canaryWith("    metrics:\n",
                        "    match:\n    - headers:\n        x-canary:\n          exact: insider\n    metrics:\n")),
      "ok  Canary test/podinfo\n");
  // A/B testing.
  EXPECT_EQ(report(canaryWith("    maxWeight: 50\n    stepWeight: 10\n",
                              "    iterations: 10\n    match:\n    - headers:\n        cookie:\n"
                              "          regex: \"^(.*?;)?(canary=always)(;.*)?$\"\n")),
            "ok  Canary test/podinfo\n");
  // stepWeights, increasing.
  EXPECT_EQ(report(canaryWith("    maxWeight: 50\n    stepWeight: 10\n", "    stepWeights: [1, 2, 10, 80]\n")),
            "ok  Canary test/podinfo\n");
  // Session affinity with two cookie names; KEDA autoscaler.
  EXPECT_EQ(report(canaryWith("    metrics:\n",
                              "    sessionAffinity:\n      cookieName: a\n      primaryCookieName: b\n"
                              "    metrics:\n")),
            "ok  Canary test/podinfo\n");
  EXPECT_EQ(report(canaryWith("  service:\n",
                              "  autoscalerRef:\n    apiVersion: keda.sh/v1alpha1\n"
                              "    kind: ScaledObject\n    name: podinfo\n"
                              "    primaryScalerQueries:\n      t: sum(x)\n  service:\n")),
            "ok  Canary test/podinfo\n");
}

TEST(Validate, KnativeTargetWithKnativeProviderIsValid) {
  std::string s = canaryWith("spec:\n", "spec:\n  provider: knative\n");
  s.replace(s.find("apps/v1"), 7, "serving.knative.dev/v1");
  s.replace(s.find("kind: Deployment"), 16, "kind: Service");
  EXPECT_EQ(report(s), "ok  Canary test/podinfo\n");
}

TEST(Validate, Warnings) {
  struct Case {
    std::string from, to, expect;
  };
  std::vector<Case> cases = {
      {"stepWeight: 10", "stepWeight: 60",
       "t.yaml:17:17: warning: spec.analysis.stepWeight: expected at most maxWeight (50)"},
      {"stepWeight: 10", "stepWeight: 20",
       "maxWeight 50 is not a multiple of stepWeight 20: the canary weight reaches 60"},
      {"    metrics:\n", "    mirrorWeight: 20\n    metrics:\n",
       "spec.analysis.mirrorWeight: ignored: mirror is not true"},
      {"    stepWeight: 10\n", "    stepWeight: 10\n    stepWeights: [5, 50]\n",
       "both stepWeight and stepWeights are set"},
      {"    stepWeight: 10\n", "    stepWeights: [5, 50]\n", "spec.analysis.maxWeight: ignored: with stepWeights"},
      {"    maxWeight: 50\n", "    iterations: 5\n",
       "spec.analysis.stepWeight: ignored: iterations selects Blue/Green"},
      {"interval: 1m\n    threshold", "interval: 5s\n    threshold", "below the 10s minimum"},
      {"interval: 1m\n    threshold", "interval: 1m30s\n    threshold", ""},
      {"interval: 1m\n    threshold", "interval: 2h\n    threshold", "pattern ^[0-9]+(m|s)"},
      {"    threshold: 5\n", "", "spec.analysis.threshold: not set: Flagger's CRD requires it"},
      {"thresholdRange:\n        min: 99\n", "threshold: 99\n", "spec.analysis.metrics[0].threshold: deprecated"},
      {"thresholdRange:\n        min: 99\n", "templateVariables:\n        a: b\n",
       "spec.analysis.metrics[0]: no thresholdRange: the check can never fail"},
      {"- name: request-success-rate\n", "- name: request-duration\n", "\n"},
      {"      interval: 1m\n", "      interval: 1m\n    - name: request-success-rate\n      thresholdRange: {min: 1}\n",
       "duplicate metric name \"request-success-rate\""},
      {"    metrics:\n", "    alerts:\n    - name: a\n      providerRef: {name: slack}\n    metrics:\n",
       "spec.analysis.alerts[0].severity: not set: Flagger never sends alerts"},
      {"    metrics:\n", "    webhooks:\n    - name: h\n      url: http://x/\n      muteAlert: true\n    metrics:\n",
       "spec.analysis.webhooks[0].muteAlert: ignored: only confirm-* hooks send alerts"},
      {"    apiVersion: apps/v1\n", "    apiVersion: extensions/v1beta1\n", "expected apps/v1 for a Deployment"},
      {"  analysis:\n", "  canaryAnalysis:\n", "spec.canaryAnalysis: deprecated, rename it to analysis"},
      {"spec:\n", "spec:\n  provider: kubernetes\n", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    std::string text = canaryWith(c.from, c.to);
    std::string out = report(text);
    EXPECT_THAT(out, HasSubstr("ok  Canary test/podinfo")) << out;
    EXPECT_THAT(out, HasSubstr(c.expect));
    if (out.find("warning") != std::string::npos) {
      std::string strict = report(text, true);
      EXPECT_THAT(strict, HasSubstr("invalid  Canary test/podinfo")) << strict;
      EXPECT_THAT(strict, Not(HasSubstr("warning:")));
    }
  }
  // request-duration without a range: every non-zero latency fails.
  EXPECT_THAT(report(canaryWith("- name: request-success-rate\n      thresholdRange:\n        min: 99\n",
                                "- name: request-duration\n")),
              HasSubstr("Flagger compares against 0 ms"));
}

TEST(Validate, SkipAnalysisMakesNeverAdvanceAWarning) {
  std::string text = canaryWith("    maxWeight: 50\n    stepWeight: 10\n", "");
  EXPECT_THAT(report(text), HasSubstr("invalid  Canary"));
  text = canaryWith("    maxWeight: 50\n    stepWeight: 10\n", "")
             .replace(text.find("spec:\n") + 6, 0, "  skipAnalysis: true\n");
  EXPECT_THAT(report(text), HasSubstr("ok  Canary test/podinfo (1 warning)"));
}

TEST(Validate, MissingAnalysisIsAnError) {
  std::string text = kMinimalCanary;
  text = text.substr(0, text.find("  analysis:"));
  EXPECT_THAT(report(text), HasSubstr("spec.analysis: required field is missing"));
}

TEST(Validate, TemplateRefsResolveOnlyWhenTemplatesAreGiven) {
  std::string canary = canaryWith("- name: request-success-rate\n      thresholdRange:\n        min: 99\n",
                                  "- name: errors\n      templateRef:\n        name: errors\n      thresholdRange:\n"
                                  "        max: 1\n");
  EXPECT_EQ(report(canary), "ok  Canary test/podinfo\n");
  auto reports = checkAll(loadString(canary, "t.yaml"), false);
  EXPECT_EQ(reports[0].uncheckedTemplateRefs, 1u);
  std::string tmpl =
      "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: errors\n"
      "  namespace: NS\nspec:\n  provider:\n    type: prometheus\n    address: http://p:9090\n"
      "  query: sum(x)\n";
  auto inNs = [&](const std::string& ns) {
    std::string t = tmpl;
    return t.replace(t.find("NS"), 2, ns);
  };
  // The templateRef namespace defaults to the canary's.
  EXPECT_EQ(report(inNs("test") + "---\n" + canary), "ok  MetricTemplate test/errors\nok  Canary test/podinfo\n");
  EXPECT_THAT(report(inNs("other") + "---\n" + canary),
              HasSubstr("templateRef: expected a MetricTemplate test/errors among the given files, found none"));
  // Direct API: requireTemplates off means no resolution.
  LoadResult l = loadString(canary, "t.yaml");
  ValidateOptions o;
  EXPECT_TRUE(validate(l, o).ok());
  o.requireTemplates = true;
  auto r = validate(l, o);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].error.code, ErrorCode::NotFound);
  EXPECT_EQ(r.findings[0].error.pos.line, 21);  // the templateRef object
}

TEST(Validate, EffectiveMaxWeight) {
  CanaryAnalysis a;
  EXPECT_EQ(effectiveMaxWeight(a), 100);
  a.maxWeight = 50;
  EXPECT_EQ(effectiveMaxWeight(a), 50);
  a.stepWeights = {1, 2, 30};
  EXPECT_EQ(effectiveMaxWeight(a), 30);
}

TEST(Validate, MetricTemplateAndAlertProviderRules) {
  std::string tmpl =
      "apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: t\nspec:\n"
      "  provider:\n    type: prometheus\n  query: sum(x)\n";
  EXPECT_THAT(report(tmpl), HasSubstr("t.yaml:7:5: warning: spec.provider.address: expected the Prometheus URL"));
  std::string p =
      "apiVersion: flagger.app/v1beta1\nkind: AlertProvider\nmetadata:\n  name: s\nspec:\n  type: slack\n"
      "  secretRef:\n    name: slack-url\n";
  EXPECT_EQ(report(p), "ok  AlertProvider s\n");
  auto l = loadString(p, "t.yaml");
  ASSERT_EQ(l.alertProviders.size(), 1u);
  EXPECT_EQ(l.alertProviders[0].channel, "general");
  EXPECT_EQ(l.alertProviders[0].username, "flagger");
  EXPECT_EQ(l.alertProviders[0].secretRefName, "slack-url");
}

}  // namespace
}  // namespace aviary::api
