#include "controller/scheduler.h"

#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace aviary::controller {
namespace {

TEST(SchedulerTest, TicksImmediatelyThenEveryInterval) {
  EngineFixture f(basicCanary());  // interval 60s
  Scheduler s(f.engine, f.clock);
  s.upsert("podinfo.test", &f.rt);
  EXPECT_EQ(s.runDue(), 1);  // immediate first tick
  EXPECT_EQ(f.phase(), api::Phase::Initialized);
  EXPECT_EQ(s.runDue(), 0);
  f.clock.advance(std::chrono::seconds(59));
  EXPECT_EQ(s.runDue(), 0);
  f.clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(s.runDue(), 1);
  EXPECT_EQ(*s.nextDue(), f.clock.now() + std::chrono::seconds(60));
}

TEST(SchedulerTest, MissedIntervalsCollapse) {
  EngineFixture f(basicCanary());
  Scheduler s(f.engine, f.clock);
  s.upsert("podinfo.test", &f.rt);
  s.runDue();
  f.clock.advance(std::chrono::seconds(60 * 5 + 10));
  EXPECT_EQ(s.runDue(), 1);
  EXPECT_EQ(s.runDue(), 0);
  EXPECT_EQ(*s.nextDue(), f.clock.now() + std::chrono::seconds(50));
}

TEST(SchedulerTest, IntervalChangeRestartsTheJob) {
  EngineFixture f(basicCanary());
  Scheduler s(f.engine, f.clock);
  s.upsert("podinfo.test", &f.rt);
  s.runDue();
  auto changed = std::make_shared<api::Canary>(*f.rt.resource);
  changed->spec.analysis->interval = std::chrono::seconds(30);
  f.rt.resource = changed;
  EXPECT_EQ(s.runDue(), 1);  // immediate extra tick (Flagger §11.19)
  f.clock.advance(std::chrono::seconds(30));
  EXPECT_EQ(s.runDue(), 1);
  s.remove("podinfo.test");
  EXPECT_FALSE(s.nextDue().has_value());
}

}  // namespace
}  // namespace aviary::controller
