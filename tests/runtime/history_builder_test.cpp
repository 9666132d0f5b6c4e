// The rollout history's builder driven tick by tick (no runtime, a manual clock): checkpoints
// at each new step only, and a controller restarted mid-analysis going on with the record of
// the same revision instead of starting a partial one (docs/operations.md).
#include <gtest/gtest.h>

#include "controller/gofmt.h"
#include "memory_history.h"
#include "runtime/history_builder.h"
#include "runtime_fixture.h"

namespace aviary::runtime {
namespace {

using api::Phase;
using namespace std::chrono_literals;

api::CanaryStatus at(Phase phase, int32_t weight, const std::string& revision = "rev1") {
  api::CanaryStatus st;
  st.phase = phase;
  st.canaryWeight = weight;
  st.lastAppliedSpec = revision;
  return st;
}

class HistoryBuilderTest : public ::testing::Test {
 protected:
  ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))};
  controller::NopEventSink events;
  MemoryHistory store;
  api::Canary canary = makeCanary("podinfo");
};

TEST_F(HistoryBuilderTest, ARestartedControllerGoesOnWithTheCheckpointedRecord) {
  std::string started;
  {
    HistoryBuilder before(clock, events, &store);
    before.afterTick(canary, at(Phase::Progressing, 0));
    started = controller::rfc3339(clock.now());
    clock.advance(60s);
    before.afterTick(canary, at(Phase::Progressing, 10));
    clock.advance(60s);
    before.afterTick(canary, at(Phase::Progressing, 10));  // held: no new step, no write
    EXPECT_EQ(store.checkpoints(), 2);
  }
  // The controller is down for two minutes, then a new builder sees the canary still analysing.
  clock.advance(120s);
  HistoryBuilder after(clock, events, &store);
  const std::string resumed = controller::rfc3339(clock.now());
  after.afterTick(canary, at(Phase::Progressing, 20));
  clock.advance(60s);
  after.afterTick(canary, at(Phase::Succeeded, 0));

  auto records = *store.list("test", "podinfo");
  ASSERT_EQ(records.size(), 1u);
  const auto& r = records[0];
  EXPECT_EQ(r.start, started);
  EXPECT_EQ(r.verdict, "Succeeded");
  EXPECT_EQ(r.resumed, std::vector<std::string>{resumed});
  std::vector<int32_t> weights;
  for (const auto& s : r.steps) weights.push_back(s.canaryWeight);
  EXPECT_EQ(weights, (std::vector<int32_t>{0, 10, 20, 0}));
  EXPECT_FALSE(store.checkpointOf("test", "podinfo")->has_value());  // dropped with the append
  EXPECT_EQ(controller::recordFromJson(controller::toJson(r)).resumed, r.resumed);
}

TEST_F(HistoryBuilderTest, ACheckpointOfAnotherRevisionIsNotTakenUp) {
  {
    HistoryBuilder before(clock, events, &store);
    before.afterTick(canary, at(Phase::Progressing, 10, "rev1"));
  }
  clock.advance(60s);
  HistoryBuilder after(clock, events, &store);
  after.afterTick(canary, at(Phase::Progressing, 0, "rev2"));
  after.afterTick(canary, at(Phase::Failed, 0, "rev2"));
  auto records = *store.list("test", "podinfo");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].revision, "rev2");
  EXPECT_TRUE(records[0].resumed.empty());
  EXPECT_EQ(records[0].steps.size(), 2u);
  EXPECT_EQ(controller::toJson(records[0]).count("resumed"), 0u);  // absent unless a restart happened
}

TEST_F(HistoryBuilderTest, OnlyTheFirstTickOfAProcessLooksForACheckpoint) {
  HistoryBuilder b(clock, events, &store);
  b.afterTick(canary, at(Phase::Progressing, 10));
  b.afterTick(canary, at(Phase::Succeeded, 0));
  // A checkpoint appearing later (e.g. another writer) is not taken up by the next analysis.
  controller::RolloutRecord stale;
  stale.revision = "rev1";
  stale.start = "2020-01-01T00:00:00Z";
  ASSERT_TRUE(store.checkpoint(canary, stale).ok());
  b.afterTick(canary, at(Phase::Progressing, 10));
  b.afterTick(canary, at(Phase::Succeeded, 0));
  auto records = *store.list("test", "podinfo");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_NE(records[1].start, stale.start);
  EXPECT_TRUE(records[1].resumed.empty());
}

}  // namespace
}  // namespace aviary::runtime
