#include "controller/alerts.h"

#include <gtest/gtest.h>

#include "notifier/recording_notifier.h"

namespace aviary::controller {
namespace {

using notifier::Severity;

api::Canary makeCanary() {
  api::Canary c;
  c.metadata.name = "podinfo";
  c.metadata.namespace_ = "test";
  c.spec.targetRef = {"apps/v1", "Deployment", "podinfo", ""};
  c.spec.progressDeadlineSeconds = 60;
  c.spec.analysis = api::CanaryAnalysis{};
  c.spec.analysis->threshold = 5;
  c.spec.analysis->stepWeight = 10;
  c.spec.analysis->maxWeight = 50;
  return c;
}

TEST(AlertRouterTest, FieldsInFlaggerOrder) {
  auto c = makeCanary();
  auto f = AlertRouter::fields(c, true, "prod-eu");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].name, "Cluster");
  EXPECT_EQ(f[0].value, "prod-eu");
  EXPECT_EQ(f[1].value, "Deployment/podinfo.test");
  EXPECT_EQ(f[2].name, "Failed checks threshold");
  EXPECT_EQ(f[2].value, "5");
  EXPECT_EQ(f[3].value, "60s");
  EXPECT_EQ(f[4].name, "Traffic routing");
  EXPECT_EQ(f[4].value, "Weight step: 10 max: 50");
  c.spec.analysis->stepWeight.reset();
  c.spec.analysis->stepWeights = {1, 5, 20};
  EXPECT_EQ(AlertRouter::fields(c, true, "").back().value, "Weight steps: 1,5,20 max: 50");
  c.spec.analysis->stepWeights.clear();
  c.spec.analysis->iterations = 4;
  EXPECT_EQ(AlertRouter::fields(c, true, "").back().value, "Blue/Green");
  c.spec.analysis->match.push_back({});
  EXPECT_EQ(AlertRouter::fields(c, true, "").back().value, "A/B Testing");
  EXPECT_TRUE(AlertRouter::fields(c, false, "").empty());
}

TEST(AlertRouterTest, SeverityAdmission) {
  EXPECT_TRUE(AlertRouter::admits("info", Severity::Info));
  EXPECT_TRUE(AlertRouter::admits("info", Severity::Error));
  EXPECT_FALSE(AlertRouter::admits("warn", Severity::Info));
  EXPECT_TRUE(AlertRouter::admits("warn", Severity::Warn));
  EXPECT_TRUE(AlertRouter::admits("warn", Severity::Error));
  EXPECT_FALSE(AlertRouter::admits("error", Severity::Warn));
  EXPECT_TRUE(AlertRouter::admits("error", Severity::Error));
  EXPECT_FALSE(AlertRouter::admits("", Severity::Error));  // Flagger quirk, kept
}

TEST(AlertRouterTest, GlobalWhenNoAlertsElseProviders) {
  std::vector<notifier::RecordedAlert> sent;
  notifier::RecordingNotifier global("global", &sent);
  auto slack = std::make_shared<notifier::RecordingNotifier>("on-call", &sent);
  AlertRouter router(global, [&](const std::string& name, const std::string& ns) -> std::shared_ptr<notifier::Notifier> {
    return name == "on-call" && ns == "flagger" ? slack : nullptr;
  });
  auto c = makeCanary();
  router.alert(c, "Canary is waiting for approval.", false, Severity::Warn, nullptr);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].provider, "global");
  EXPECT_EQ(sent[0].workload, "podinfo");

  api::CanaryAlert a;
  a.name = "on-call";
  a.severity = "error";
  a.providerRef.name = "on-call";
  a.providerRef.namespace_ = "flagger";
  c.spec.analysis->alerts.push_back(a);
  sent.clear();
  router.alert(c, "Canary is waiting for approval.", false, Severity::Warn, nullptr);
  EXPECT_TRUE(sent.empty());
  router.alert(c, "Failed checks threshold reached 5", false, Severity::Error, nullptr);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].provider, "on-call");
  EXPECT_EQ(sent[0].severity, Severity::Error);
}

}  // namespace
}  // namespace aviary::controller
