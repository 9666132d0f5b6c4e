#include "platform/memory/memory_target.h"

#include <gtest/gtest.h>

namespace aviary::controller {
namespace {

TEST(MemoryTargetTest, ReadinessDeadline) {
  ManualClock clock(Clock::TimePoint(std::chrono::seconds(1000)));
  MemoryTarget t(clock, nlohmann::json{{"v", 1}});
  api::Canary c;
  c.metadata.namespace_ = "ns";
  c.spec.targetRef.name = "app";
  c.spec.progressDeadlineSeconds = 60;
  EXPECT_TRUE(t.isCanaryReady(c).isReady());
  t.setReady(MemoryTarget::Side::Canary, false);
  auto r = t.isCanaryReady(c);
  EXPECT_EQ(r.state, Readiness::State::Waiting);
  EXPECT_EQ(r.message,
            "canary deployment app.ns not ready: waiting for rollout to finish: 0 of 1 (readyThreshold 100%) updated "
            "replicas are available");
  clock.advance(std::chrono::seconds(60));
  EXPECT_EQ(t.isCanaryReady(c).state, Readiness::State::Waiting);  // deadline not passed yet
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(t.isCanaryReady(c).state, Readiness::State::Failed);
  // A new rollout restarts the deadline.
  ASSERT_TRUE(t.scaleFromZero(c).ok());
  EXPECT_EQ(t.isCanaryReady(c).state, Readiness::State::Waiting);
  t.setReady(MemoryTarget::Side::Primary, false, "custom");
  EXPECT_EQ(t.isPrimaryReady(c).message, "app-primary.ns not ready: custom");
}

TEST(MemoryTargetTest, RevisionAndPromotion) {
  ManualClock clock;
  MemoryTarget t(clock, nlohmann::json{{"v", 1}});
  api::Canary c;
  EXPECT_TRUE(t.initialize(c, false).isReady());
  const auto r1 = t.primaryRevision();
  t.setRevision(nlohmann::json{{"v", 2}});
  EXPECT_NE(t.currentRevision(), r1);
  EXPECT_EQ(t.primaryRevision(), r1);
  ASSERT_TRUE(t.promote(c).ok());
  EXPECT_EQ(t.primaryRevision(), t.currentRevision());
  t.failForTest(makeError(ErrorCode::Unavailable, "boom"));
  EXPECT_FALSE(t.scaleToZero(c).ok());
}

}  // namespace
}  // namespace aviary::controller
