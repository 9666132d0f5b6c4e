#include "controller/status.h"

#include <gtest/gtest.h>

namespace aviary::controller {
namespace {

using api::Phase;

class StatusWriterTest : public ::testing::Test {
 protected:
  StatusWriterTest() : clock_(Clock::TimePoint(std::chrono::seconds(1767225600))) {
    canary_.spec.targetRef.kind = "Deployment";
  }
  StatusWriter writer(int32_t iterations = 0) { return StatusWriter(clock_, canary_, st_, iterations); }
  ManualClock clock_;
  api::Canary canary_;
  api::CanaryStatus st_;
};

TEST_F(StatusWriterTest, SyncInitializedSetsBothHashes) {
  writer().sync(Phase::Initialized, 0, 0, 0, "abc", {{"configmap/x", "1"}});
  EXPECT_EQ(st_.phase, Phase::Initialized);
  EXPECT_EQ(st_.lastAppliedSpec, "abc");
  EXPECT_EQ(st_.lastPromotedSpec, "abc");
  EXPECT_EQ(st_.trackedConfigs.at("configmap/x"), "1");
  EXPECT_EQ(st_.lastTransitionTime, "2026-01-01T00:00:00Z");
  ASSERT_EQ(st_.conditions.size(), 1u);
  EXPECT_EQ(st_.conditions[0].type, "Promoted");
  EXPECT_EQ(st_.conditions[0].status, "True");
  EXPECT_EQ(st_.conditions[0].reason, "Initialized");
  EXPECT_EQ(st_.conditions[0].message, "Deployment initialization completed.");
}

TEST_F(StatusWriterTest, SyncProgressingKeepsPromotedSpec) {
  writer().sync(Phase::Initialized, 0, 0, 0, "abc", {});
  writer().sync(Phase::Progressing, 0, 0, 0, "def", {});
  EXPECT_EQ(st_.lastAppliedSpec, "def");
  EXPECT_EQ(st_.lastPromotedSpec, "abc");
  EXPECT_EQ(st_.conditions[0].message, "New revision detected, progressing canary analysis.");
}

TEST_F(StatusWriterTest, SetPhaseResetsCountersOutsideActivePhases) {
  st_.canaryWeight = 40;
  st_.iterations = 3;
  writer().setPhase(Phase::Promoting);
  EXPECT_EQ(st_.canaryWeight, 40);
  EXPECT_EQ(st_.iterations, 3);
  writer().setPhase(Phase::Finalising);
  EXPECT_EQ(st_.canaryWeight, 0);
  EXPECT_EQ(st_.iterations, 0);
}

TEST_F(StatusWriterTest, WaitingPromotionIterationsIsNMinusOne) {
  st_.canaryWeight = 50;
  writer(0).setPhase(Phase::WaitingPromotion);
  EXPECT_EQ(st_.iterations, -1);  // canary strategy quirk (Flagger §11.12)
  EXPECT_EQ(st_.canaryWeight, 0);
  writer(5).setPhase(Phase::WaitingPromotion);
  EXPECT_EQ(st_.iterations, 4);
}

TEST_F(StatusWriterTest, SucceededPromotesAppliedSpec) {
  st_.lastAppliedSpec = "new";
  st_.lastPromotedSpec = "old";
  writer().setPhase(Phase::Succeeded);
  EXPECT_EQ(st_.lastPromotedSpec, "new");
  EXPECT_EQ(st_.conditions[0].status, "True");
  EXPECT_EQ(st_.conditions[0].message, "Canary analysis completed successfully, promotion finished.");
}

TEST_F(StatusWriterTest, ConditionTransitionTimes) {
  writer().setPhase(Phase::Progressing);
  const auto first = st_.conditions[0];
  clock_.advance(std::chrono::seconds(60));
  writer().setPhase(Phase::Progressing);  // same status and reason: untouched
  EXPECT_EQ(st_.conditions[0].lastUpdateTime, first.lastUpdateTime);
  clock_.advance(std::chrono::seconds(60));
  writer().setPhase(Phase::Promoting);  // same status (Unknown), new reason: transition time kept
  EXPECT_EQ(st_.conditions[0].reason, "Promoting");
  EXPECT_EQ(st_.conditions[0].lastUpdateTime, "2026-01-01T00:02:00Z");
  EXPECT_EQ(st_.conditions[0].lastTransitionTime, first.lastTransitionTime);
  writer().setPhase(Phase::Failed);
  EXPECT_EQ(st_.conditions[0].status, "False");
  EXPECT_EQ(st_.conditions[0].lastTransitionTime, "2026-01-01T00:02:00Z");
  EXPECT_EQ(st_.conditions[0].message, "Canary analysis failed, Deployment scaled to zero.");
}

TEST(PromotedConditionTest, AllPhases) {
  EXPECT_EQ(StatusWriter::promotedCondition(Phase::Waiting, "Deployment").second, "Waiting for approval.");
  EXPECT_EQ(StatusWriter::promotedCondition(Phase::WaitingPromotion, "Deployment").second, "Waiting for approval.");
  EXPECT_EQ(StatusWriter::promotedCondition(Phase::Finalising, "Deployment").second,
            "Canary analysis completed, routing all traffic to primary.");
  EXPECT_EQ(StatusWriter::promotedCondition(Phase::Promoting, "Deployment").second,
            "Canary analysis completed, starting primary rolling update.");
  EXPECT_EQ(StatusWriter::promotedCondition(Phase::Terminating, "DaemonSet").second,
            "New DaemonSet detected, starting initialization.");
  EXPECT_EQ(StatusWriter::promotedCondition(Phase::Initializing, "Deployment").first, "Unknown");
}

}  // namespace
}  // namespace aviary::controller
