// The audit of every validation rule against one principle (docs/validate.md, "Which side of the
// line"): a resource that Flagger's CRD accepts and Flagger runs without error validates (a warning
// at most, an error only under --strict); one that Flagger's CRD rejects, or that Flagger accepts
// but then fails at run time, may be an error. Each row is one rule: the change to the minimal
// Canary that triggers it, which side it is on, the Flagger source the side relies on, and what
// `aviary validate` must report.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace aviary::api {
namespace {

using testing::canaryWith;
using testing::report;

enum class Side {
  FlaggerRuns,     // the CRD accepts it and Flagger runs it without error: a warning at most
  FailsAtRunTime,  // the CRD accepts it but Flagger (or the router it drives) fails at run time
  CrdRejects,      // Flagger's CRD (or the API server's strict field validation) rejects it
};
enum class Verdict { Warning, Error };

struct Rule {
  const char* name;
  Side side;
  const char* flaggerSource;  // what the side relies on
  std::string from, to;       // kMinimalCanary with `from` replaced by `to`
  const char* path;           // the field path of the finding
  Verdict verdict;
};

const std::string kSteps = "    maxWeight: 50\n    stepWeight: 10\n";
const std::string kMetrics = "    metrics:\n";
const std::string kMetric = "    - name: request-success-rate\n      thresholdRange:\n        min: 99\n      interval: 1m\n";
const std::string kHook = "    webhooks:\n    - name: load\n      url: http://loadtester/\n";

std::vector<Rule> rules() {
  using S = Side;
  using V = Verdict;
  return {
      // Weights and counts of spec.analysis: the CRD types them `number` with no bounds.
      {"stepWeight above 100", S::FlaggerRuns, "scheduler.go runCanary: canary weight capped at 100, then promotion",
       kSteps, "    stepWeight: 150\n", "spec.analysis.stepWeight", V::Warning},
      {"stepWeight 0", S::FlaggerRuns, "scheduler.go nextStepWeight returns 0: the analysis runs at weight 0",
       kSteps, "    stepWeight: 0\n", "spec.analysis.stepWeight", V::Warning},
      {"stepWeight negative", S::FailsAtRunTime, "router SetRoutes with a negative weight fails at every tick",
       kSteps, "    stepWeight: -5\n", "spec.analysis.stepWeight", V::Error},
      {"stepWeights entry above 100", S::FlaggerRuns,
       "scheduler_test.go TestScheduler_ServicePromotionWithWeightsOverflow: 1, 2, 10, 100, promotion", kSteps,
       "    stepWeights: [1, 2, 10, 200]\n", "spec.analysis.stepWeights[3]", V::Warning},
      {"stepWeights first entry 0", S::FlaggerRuns, "scheduler.go nextStepWeight: min(maxStep, stepWeights[0]) = 0",
       kSteps, "    stepWeights: [0, 50]\n", "spec.analysis.stepWeights[0]", V::Warning},
      {"stepWeights entry negative", S::FailsAtRunTime, "router SetRoutes with a negative weight fails", kSteps,
       "    stepWeights: [-5, 50]\n", "spec.analysis.stepWeights[0]", V::Error},
      {"stepWeights not increasing", S::FlaggerRuns, "scheduler.go nextStepWeight walks the list as written", kSteps,
       "    stepWeights: [10, 5, 50]\n", "spec.analysis.stepWeights[1]", V::Warning},
      {"maxWeight above 100", S::FlaggerRuns, "canary.go GetMaxWeight: no cap; the weight stays at 100", kSteps,
       "    maxWeight: 150\n    stepWeight: 10\n", "spec.analysis.maxWeight", V::Warning},
      {"maxWeight negative", S::FlaggerRuns, "canary.go GetMaxWeight: maxWeight > 0 or 100", kSteps,
       "    maxWeight: -1\n    stepWeight: 10\n", "spec.analysis.maxWeight", V::Warning},
      {"threshold 0", S::FlaggerRuns, "canary.go GetAnalysisThreshold: <= 0 means 1", "threshold: 5", "threshold: 0",
       "spec.analysis.threshold", V::Warning},
      {"threshold not set", S::CrdRejects, "crd.yaml analysis oneOf requires interval+threshold", "    threshold: 5\n",
       "", "spec.analysis.threshold", V::Warning},
      {"iterations negative", S::FlaggerRuns, "canary.go GetAnalysis: iterations > 0 selects Blue/Green", kSteps,
       kSteps + "    iterations: -3\n", "spec.analysis.iterations", V::Warning},
      {"stepWeightPromotion above 100", S::FlaggerRuns, "scheduler.go promotion: primary weight capped at 100",
       kSteps, kSteps + "    stepWeightPromotion: 150\n", "spec.analysis.stepWeightPromotion", V::Warning},
      {"stepWeightPromotion negative", S::FailsAtRunTime, "router SetRoutes with a negative canary weight fails",
       kSteps, kSteps + "    stepWeightPromotion: -10\n", "spec.analysis.stepWeightPromotion", V::Error},
      {"primaryReadyThreshold negative", S::FlaggerRuns, "deployment_controller.go isDeploymentReady: always ready",
       kMetrics, "    primaryReadyThreshold: -1\n" + kMetrics, "spec.analysis.primaryReadyThreshold", V::Warning},
      {"canaryReadyThreshold above 100", S::FailsAtRunTime,
       "deployment_controller.go isDeploymentReady: never ready, fails at progressDeadlineSeconds", kMetrics,
       "    canaryReadyThreshold: 150\n" + kMetrics, "spec.analysis.canaryReadyThreshold", V::Error},
      {"mirrorWeight above 100", S::FailsAtRunTime, "Istio rejects a mirrorPercentage above 100", kMetrics,
       "    mirror: true\n    mirrorWeight: 150\n" + kMetrics, "spec.analysis.mirrorWeight", V::Error},
      {"sessionAffinity.maxAge negative", S::FlaggerRuns, "router sets Max-Age as given; the browser drops the cookie",
       kMetrics, "    sessionAffinity:\n      cookieName: c\n      maxAge: -1\n" + kMetrics,
       "spec.analysis.sessionAffinity.maxAge", V::Warning},
      {"webhook retries negative", S::FlaggerRuns, "webhook.go: go-retryablehttp RetryMax < 0 makes one attempt",
       kMetric, kMetric + kHook + "      retries: -1\n", "spec.analysis.webhooks[0].retries", V::Warning},
      {"webhook retries above 100", S::FlaggerRuns, "webhook.go: go-retryablehttp retries that often", kMetric,
       kMetric + kHook + "      retries: 1000\n", "spec.analysis.webhooks[0].retries", V::Warning},
      {"duplicate webhook names", S::FlaggerRuns, "scheduler_hooks.go calls every webhook of the list", kMetric,
       kMetric + kHook + "    - name: load\n      url: http://loadtester/\n", "spec.analysis.webhooks[1].name",
       V::Warning},
      {"webhook url not absolute", S::FailsAtRunTime, "webhook.go: the POST fails", kMetric,
       kMetric + "    webhooks:\n    - name: load\n      url: loadtester\n", "spec.analysis.webhooks[0].url",
       V::Error},
      // Metrics.
      {"metric with neither builtin name, query nor templateRef", S::FailsAtRunTime,
       "scheduler_metrics.go: the metric is never checked and the analysis reports it", "- name: request-success-rate",
       "- name: errors", "spec.analysis.metrics[0]", V::Error},
      {"builtin name with a templateRef", S::FlaggerRuns,
       "scheduler_metrics.go runs the builtin check by name, then the template", "      interval: 1m\n",
       "      interval: 1m\n      templateRef:\n        name: t\n", "spec.analysis.metrics[0].name", V::Warning},
      {"builtin name with a query", S::FlaggerRuns, "scheduler_metrics.go runs the builtin check, then the query",
       "      interval: 1m\n", "      interval: 1m\n      query: sum(x)\n", "spec.analysis.metrics[0].name",
       V::Warning},
      {"thresholdRange min above max", S::FailsAtRunTime, "scheduler_metrics.go: every check fails, rollback",
       "        min: 99\n", "        min: 99\n        max: 1\n", "spec.analysis.metrics[0].thresholdRange", V::Error},
      // The rest of the spec.
      {"interval below 10s", S::FlaggerRuns, "canary.go GetAnalysisInterval: below 10s means 10s", "interval: 1m\n    threshold",
       "interval: 5s\n    threshold", "spec.analysis.interval", V::Warning},
      {"interval outside the CRD pattern", S::CrdRejects, "crd.yaml pattern ^[0-9]+(m|s)",
       "interval: 1m\n    threshold", "interval: 2h\n    threshold", "spec.analysis.interval", V::Warning},
      {"interval the CRD pattern accepts but not a duration", S::FlaggerRuns,
       "canary.go GetAnalysisInterval: unparsable means 60s; crd.yaml pattern is not anchored at the end",
       "interval: 1m\n    threshold", "interval: 5sx\n    threshold", "spec.analysis.interval", V::Warning},
      {"interval neither a duration nor the CRD pattern", S::CrdRejects, "crd.yaml pattern ^[0-9]+(m|s)",
       "interval: 1m\n    threshold", "interval: soon\n    threshold", "spec.analysis.interval", V::Error},
      {"no stepWeight, stepWeights or iterations", S::CrdRejects, "crd.yaml analysis oneOf", kSteps, "",
       "spec.analysis", V::Error},
      {"service.port 0", S::FailsAtRunTime, "the API server rejects a Service with port 0", "port: 9898", "port: 0",
       "spec.service.port", V::Error},
      {"progressDeadlineSeconds 0", S::FailsAtRunTime, "deployment_controller.go: the deadline has always passed",
       "  service:\n", "  progressDeadlineSeconds: 0\n  service:\n", "spec.progressDeadlineSeconds", V::Error},
      {"provider outside the enum", S::CrdRejects, "crd.yaml spec.provider enum", "spec:\n",
       "spec:\n  provider: envoy\n", "spec.provider", V::Error},
      {"unknown field", S::CrdRejects, "API server strict field validation (kubectl's default)", "  service:\n",
       "  servce: {}\n  service:\n", "spec.servce", V::Error},
      {"integer written as a string", S::CrdRejects, "crd.yaml service.port type number", "port: 9898",
       "port: \"9898\"", "spec.service.port", V::Error},
      {"knative provider with a Deployment", S::FailsAtRunTime, "knative router: target must be a Knative Service",
       "spec:\n", "spec:\n  provider: knative\n", "spec.targetRef", V::Error},
      {"nginx provider without ingressRef", S::FailsAtRunTime, "nginx router: ingressRef required", "spec:\n",
       "spec:\n  provider: nginx\n", "spec.ingressRef", V::Error},
      {"session affinity with one cookie name twice", S::FailsAtRunTime, "Flagger's own check, same text", kMetrics,
       "    sessionAffinity:\n      cookieName: c\n      primaryCookieName: c\n" + kMetrics,
       "spec.analysis.sessionAffinity.primaryCookieName", V::Error},
      {"mirror with the kubernetes provider", S::FlaggerRuns, "kubernetes router ignores mirroring",
       "  service:\n    port: 9898\n  analysis:\n",
       "  provider: kubernetes\n  service:\n    port: 9898\n  analysis:\n    mirror: true\n", "spec.analysis.mirror",
       V::Warning},
      {"alert without severity", S::FlaggerRuns, "alerts.go: sends only with a severity", kMetric,
       kMetric + "    alerts:\n    - name: a\n      providerRef:\n        name: p\n", "spec.analysis.alerts[0].severity",
       V::Warning},
  };
}

bool hasError(const std::string& text, const std::string& path) {
  return text.find(": " + path + ": ") != std::string::npos && text.find("warning: " + path + ": ") == std::string::npos;
}

TEST(ValidateRules, EachRuleIsOnItsSide) {
  for (const Rule& r : rules()) {
    SCOPED_TRACE(r.name);
    // The principle: what Flagger runs without error is never more than a warning.
    if (r.side == Side::FlaggerRuns) ASSERT_EQ(r.verdict, Verdict::Warning) << r.flaggerSource;
    const std::string text = canaryWith(r.from, r.to);
    ASSERT_EQ(text.find("REPLACEMENT NOT FOUND"), std::string::npos) << r.from;
    const std::string got = report(text);
    const std::string strict = report(text, /*strict=*/true);
    if (r.verdict == Verdict::Warning) {
      EXPECT_NE(got.find("warning: " + std::string(r.path) + ": "), std::string::npos) << got;
      EXPECT_EQ(got.find("invalid  Canary"), std::string::npos) << got;
      EXPECT_TRUE(hasError(strict, r.path)) << "--strict makes it an error\n" << strict;
    } else {
      EXPECT_TRUE(hasError(got, r.path)) << got;
      EXPECT_NE(got.find("invalid  Canary"), std::string::npos) << got;
    }
  }
}

// Issue 23's Canary, the shape of Flagger's TestScheduler_ServicePromotionWithWeightsOverflow:
// valid, with one warning that says what happens to the 200.
TEST(ValidateRules, StepWeightsAbove100AreAWarningSayingTheyAreCapped) {
  const std::string got = report(canaryWith(kSteps, "    stepWeights: [1, 2, 10, 200]\n"));
  EXPECT_EQ(got,
            "t.yaml:16:29: warning: spec.analysis.stepWeights[3]: expected a weight from 1 to 100, found 200: Flagger "
            "and Aviary cap the canary weight at 100, so this step goes to 100 and the canary is then promoted\n"
            "ok  Canary test/podinfo (1 warning)\n");
}

}  // namespace
}  // namespace aviary::api
