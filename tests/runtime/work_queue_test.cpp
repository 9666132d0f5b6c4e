#include "runtime/work_queue.h"

#include <thread>

#include <gtest/gtest.h>

namespace aviary::runtime {
namespace {

TEST(WorkQueueTest, RepeatedAddsCollapse) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("a");
  q.add("a");
  q.add("b");
  EXPECT_EQ(q.length(), 2u);
  EXPECT_EQ(*q.get(), "a");
  EXPECT_EQ(*q.get(), "b");
}

TEST(WorkQueueTest, AKeyIsHandedToOneWorkerAtATimeAndRequeuedAfterDone) {
  ManualClock clock;
  WorkQueue q(clock);
  q.add("a");
  auto k = q.get();
  ASSERT_TRUE(k);
  q.add("a");  // while processing: not handed out again yet
  EXPECT_EQ(q.length(), 0u);
  q.done("a");
  EXPECT_EQ(q.length(), 1u);
  EXPECT_EQ(*q.get(), "a");
}

TEST(WorkQueueTest, RateLimitedBackOffDoublesUntilForget) {
  ManualClock clock;
  WorkQueue q(clock);
  q.addRateLimited("a");  // 5 ms
  q.addRateLimited("a");  // 10 ms
  EXPECT_EQ(q.retries("a"), 2);
  EXPECT_EQ(q.length(), 0u);
  clock.advance(std::chrono::milliseconds(5));
  std::thread t([&] {
    auto k = q.get();
    EXPECT_TRUE(k && *k == "a");
    q.done("a");
  });
  t.join();
  q.forget("a");
  EXPECT_EQ(q.retries("a"), 0);
}

TEST(WorkQueueTest, ShutDownReleasesWaitingWorkers) {
  ManualClock clock;
  WorkQueue q(clock);
  std::thread t([&] { EXPECT_FALSE(q.get().has_value()); });
  q.shutDown();
  t.join();
}

}  // namespace
}  // namespace aviary::runtime
