#include "controller/engine.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "controller/spec_hash.h"
#include "engine_fixture.h"

namespace aviary::controller {
namespace {

using api::HookType;
using api::Phase;

TEST(EngineTest, FullCanaryRollout) {
  EngineFixture f(basicCanary());
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Initialized);
  EXPECT_TRUE(f.target.canaryScaledToZero());
  EXPECT_TRUE(f.router.reconciled());
  const auto initialRevision = f.rt.status.lastAppliedSpec;
  EXPECT_EQ(f.rt.status.lastPromotedSpec, initialRevision);

  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Progressing);
  EXPECT_FALSE(f.target.canaryScaledToZero());
  EXPECT_NE(f.rt.status.lastAppliedSpec, initialRevision);
  f.tick(2);
  EXPECT_EQ(f.canaryWeight(), 100);
  EXPECT_EQ(f.rt.status.canaryWeight, 100);
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Promoting);
  EXPECT_EQ(f.target.promotions(), 1);
  EXPECT_EQ(f.target.primaryRevision(), f.target.currentRevision());
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Finalising);
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Succeeded);
  EXPECT_TRUE(f.target.canaryScaledToZero());
  EXPECT_EQ(f.rt.status.lastPromotedSpec, f.rt.status.lastAppliedSpec);

  const std::vector<std::string> expected{
      "all the metrics providers are available!",
      "Initialization done! podinfo.test",
      "New revision detected! Scaling up podinfo.test",
      "Starting canary analysis for podinfo.test",
      "Advance podinfo.test canary weight 50",
      "Advance podinfo.test canary weight 100",
      "Copying podinfo.test template spec to podinfo-primary.test",
      "Routing all traffic to primary",
      "Promotion completed! Scaling down podinfo.test",
  };
  EXPECT_EQ(f.sink.messages(), expected);
  // Payload phases of the event webhooks (§6.4).
  EXPECT_EQ(f.sink.events[1].phase, Phase::Initialized);
  EXPECT_EQ(f.sink.events[2].phase, Phase::Progressing);
  EXPECT_EQ(f.sink.events[8].phase, Phase::Succeeded);
  EXPECT_EQ(f.sink.events[6].phase, Phase::Progressing);  // the phase read by the tick
  ASSERT_EQ(f.global.alerts().size(), 3u);
  EXPECT_EQ(f.global.alerts()[0].message, "New Deployment detected, initialization completed.");
  EXPECT_EQ(f.global.alerts()[0].fields.size(), 4u);
  EXPECT_EQ(f.global.alerts()[2].fields.size(), 0u);
}

TEST(EngineTest, RevertToPrimaryRevisionNeverStartsAnalysis) {
  EngineFixture f(basicCanary());
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(2);
  f.checker.set("request-success-rate", ScriptedMetric::ofValue(10));
  f.tick(3);
  EXPECT_EQ(f.phase(), Phase::Failed);
  f.sink.events.clear();
  f.target.setRevision({{"image", "podinfo:1"}});  // what the primary runs
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Failed);
  EXPECT_TRUE(f.sink.events.empty());
  f.target.setRevision({{"image", "podinfo:3"}});
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Progressing);
}

TEST(EngineTest, WebhookPayloadsCarryFlaggerFields) {
  auto c = basicCanary();
  c.spec.analysis->webhooks.push_back(hook("smoke", HookType::PreRollout, {{"cmd", "curl x"}}));
  c.spec.analysis->webhooks.push_back(hook("events", HookType::Event, {{"eventMessage", "mine"}, {"team", "a"}}));
  EngineFixture f(c);
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(2);
  const auto& calls = f.hooks.calls();
  const webhooks::RecordedCall* smoke = nullptr;
  for (const auto& call : calls) {
    if (call.name == "smoke") smoke = &call;
  }
  ASSERT_NE(smoke, nullptr);
  EXPECT_EQ(smoke->payload.phase, "Progressing");
  EXPECT_EQ(smoke->payload.checksum, payloadChecksum(f.rt.status.trackedConfigs, f.rt.status.lastAppliedSpec));
  auto json = nlohmann::json::parse(webhooks::encodePayload(smoke->payload));
  EXPECT_EQ(json["name"], "podinfo");
  EXPECT_EQ(json["namespace"], "test");
  EXPECT_EQ(json["metadata"]["cmd"], "curl x");

  // Event hooks: reserved keys win, hook metadata added, timestamp in ms.
  const auto& first = calls.front();
  ASSERT_EQ(first.name, "events");
  EXPECT_EQ(first.payload.metadata.at("eventMessage"), "all the metrics providers are available!");
  EXPECT_EQ(first.payload.metadata.at("eventType"), "Normal");
  EXPECT_EQ(first.payload.metadata.at("team"), "a");
  EXPECT_EQ(first.payload.metadata.at("timestamp"), "1767225660000");
  EXPECT_EQ(first.payload.phase, "Initializing");
  EXPECT_EQ(first.payload.checksum, payloadChecksum({}, ""));
  // After the bootstrap wrote lastAppliedSpec, later events of the same tick carry its checksum.
  const auto& init = calls[1];
  ASSERT_EQ(init.payload.metadata.at("eventMessage"), "Initialization done! podinfo.test");
  EXPECT_EQ(init.payload.phase, "Initialized");
  EXPECT_NE(init.payload.checksum, first.payload.checksum);
}

TEST(EngineTest, KubernetesProviderBecomesBlueGreen) {
  auto c = basicCanary();
  c.spec.provider = "kubernetes";
  EngineFixture f(c);
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(2);
  EXPECT_TRUE(f.sink.contains("Progressive traffic is not supported when using the kubernetes provider"));
  EXPECT_TRUE(f.sink.contains("Setting canaryAnalysis.iterations: 10"));
  EXPECT_TRUE(f.sink.contains("Advance podinfo.test canary iteration 1/10"));
  EXPECT_EQ(f.rt.status.iterations, 1);
}

TEST(EngineTest, FailedPromotionKeepsCanaryServing) {
  auto c = basicCanary();
  c.spec.progressDeadlineSeconds = 60;
  EngineFixture f(c);
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(4);
  ASSERT_EQ(f.phase(), Phase::Promoting);
  f.target.setReady(MemoryTarget::Side::Primary, false);
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Failed);
  EXPECT_EQ(f.rt.status.canaryWeight, 100);
  EXPECT_EQ(f.canaryWeight(), 100);
  EXPECT_FALSE(f.target.canaryScaledToZero());
  // §4.17 consequence: the next revision skips the pre-rollout step and promotes at once.
  f.target.setReady(MemoryTarget::Side::Primary, true);
  f.target.setRevision({{"image", "podinfo:3"}});
  f.sink.events.clear();
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Promoting);
  EXPECT_FALSE(f.sink.contains("Starting canary analysis for podinfo.test"));
}

TEST(EngineTest, RouterErrorsBecomeWarningsAndRetry) {
  EngineFixture f(basicCanary());
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick();
  f.router.failForTest(makeError(ErrorCode::Unavailable, "proxy admin API unreachable"));
  f.tick();
  EXPECT_EQ(f.sink.events.back().message, "proxy admin API unreachable");
  EXPECT_EQ(f.sink.events.back().type, EventType::Warning);
  EXPECT_EQ(f.phase(), Phase::Progressing);
  EXPECT_EQ(f.rt.status.failedChecks, 0);
  f.router.failForTest(std::nullopt);
  f.tick();
  EXPECT_EQ(f.canaryWeight(), 50);
}

TEST(EngineTest, TemplateAndQueryMetricMessages) {
  auto c = basicCanary();
  api::CanaryMetric t;
  t.name = "404s percentage";
  t.templateRef = api::CrossNamespaceObjectReference{"", "", "not-found-percentage", "istio-system"};
  t.thresholdRange = api::ThresholdRange{std::nullopt, 5.0};
  c.spec.analysis->metrics.push_back(t);
  c.spec.analysis->threshold = 10;
  EngineFixture f(c);
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(2);
  f.checker.set("404s percentage", ScriptedMetric::ofValue(7));
  f.tick();
  EXPECT_EQ(f.sink.events.back().message, "Halt podinfo.test advancement 404s percentage 7.00 > 5");
  f.checker.set("404s percentage", ScriptedMetric::none());
  f.tick();
  EXPECT_EQ(f.sink.events.back().message, "Halt advancement no values found for custom metric: 404s percentage: no values found");
  f.checker.set("404s percentage", ScriptedMetric::error("Metric template not-found-percentage.istio-system error: not found"));
  f.tick();
  EXPECT_EQ(f.sink.events.back().message, "Metric template not-found-percentage.istio-system error: not found");
  f.checker.set("404s percentage", ScriptedMetric::error("connection refused"));
  f.tick();
  EXPECT_EQ(f.sink.events.back().message, "Metric query failed for 404s percentage: connection refused");
}

TEST(EngineTest, ServiceTargetsUseServiceObserverName) {
  auto c = basicCanary();
  c.spec.targetRef.kind = "Service";
  c.spec.targetRef.apiVersion = "v1";
  c.spec.provider = "linkerd";
  EngineFixture f(c);
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(2);
  f.checker.set("request-success-rate", ScriptedMetric::none());
  f.tick();
  EXPECT_EQ(f.sink.events.back().message,
            "Halt advancement no values found for linkerd:service metric request-success-rate probably podinfo.test "
            "is not receiving traffic: running query failed: no values found");
}

TEST(EngineTest, NoAnalysisBlockMeansSkip) {
  auto c = basicCanary();
  c.spec.analysis.reset();
  EngineFixture f(c);
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Initialized);
  EXPECT_FALSE(f.sink.contains("all the metrics providers are available!"));
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Succeeded);
  EXPECT_TRUE(f.sink.contains("Promotion completed! Canary analysis was skipped for podinfo.test"));
}

// Where the engine calls the scaler hooks (flagger-integration.md §1.14, Appendix B): the
// primary scaler at every tick's initialisation step (init) and at promotion / skip (not init);
// the source paused after the primary scaler while initialising, before the scale-to-zero in
// Finalising, on the skip path and on rollback; resumed before the scale-up of a new revision.
// A platform with KEDA turns these into the paused-replicas annotation (keda_scaler.cpp).
api::Canary kedaCanary() {
  auto c = basicCanary();
  c.spec.autoscalerRef = api::AutoscalerRef{"keda.sh/v1alpha1", "ScaledObject", "podinfo-so", {}, {}};
  return c;
}

std::vector<std::string> takeLog(EngineFixture& f, size_t& seen) {
  const auto log = f.target.scalingLog();
  std::vector<std::string> out(log.begin() + static_cast<std::ptrdiff_t>(seen), log.end());
  seen = log.size();
  return out;
}

using Calls = std::vector<std::string>;

TEST(EngineTest, ScalerPausedOnInitAndRollbackResumedOnNewRevision) {
  EngineFixture f(kedaCanary());
  size_t seen = 0;
  f.tick();
  ASSERT_EQ(f.phase(), Phase::Initialized);
  EXPECT_EQ(takeLog(f, seen), Calls({"reconcilePrimaryScaler(init)", "pauseTargetScaler", "scaleToZero"}));
  f.tick();
  EXPECT_EQ(takeLog(f, seen), Calls({"reconcilePrimaryScaler(init)"})) << "a steady tick does not pause again";
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick();
  ASSERT_EQ(f.phase(), Phase::Progressing);
  EXPECT_EQ(takeLog(f, seen), Calls({"reconcilePrimaryScaler(init)", "resumeTargetScaler", "scaleFromZero"}));
  f.checker.set("request-success-rate", ScriptedMetric::ofValue(10));
  for (int i = 0; i < 5 && f.phase() != Phase::Failed; ++i) f.tick();
  ASSERT_EQ(f.phase(), Phase::Failed);
  const auto log = takeLog(f, seen);
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(Calls(log.end() - 2, log.end()), Calls({"pauseTargetScaler", "scaleToZero"}));
}

TEST(EngineTest, ScalerRefreshedOnPromotionAndPausedBeforeFinalisingScalesToZero) {
  EngineFixture f(kedaCanary());
  size_t seen = 0;
  f.tick();
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(3);
  (void)takeLog(f, seen);
  f.tick();
  ASSERT_EQ(f.phase(), Phase::Promoting);
  (void)takeLog(f, seen);
  f.tick();  // the Promoting tick: the primary's template and its scaler refreshed
  ASSERT_EQ(f.phase(), Phase::Finalising);
  EXPECT_EQ(takeLog(f, seen), Calls({"reconcilePrimaryScaler(init)", "reconcilePrimaryScaler"}));
  f.tick();
  ASSERT_EQ(f.phase(), Phase::Succeeded);
  EXPECT_EQ(takeLog(f, seen), Calls({"reconcilePrimaryScaler(init)", "pauseTargetScaler", "scaleToZero"}));
}

TEST(EngineTest, ScalerPausedOnTheSkipPath) {
  auto c = kedaCanary();
  c.spec.skipAnalysis = true;
  EngineFixture f(c);
  size_t seen = 0;
  f.tick();
  (void)takeLog(f, seen);
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick(2);
  ASSERT_EQ(f.phase(), Phase::Succeeded);
  const auto log = takeLog(f, seen);
  ASSERT_GE(log.size(), 3u);
  EXPECT_EQ(Calls(log.end() - 3, log.end()), Calls({"reconcilePrimaryScaler", "pauseTargetScaler", "scaleToZero"}));
}

}  // namespace
}  // namespace aviary::controller
