// TickPool: every task runs, a blocked task holds one thread only, the cap queues, idle threads
// exit (most recently idle reused first), stop drains.
#include "runtime/tick_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace aviary::runtime {
namespace {

using namespace std::chrono_literals;

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(TickPoolTest, ABlockedTaskHoldsOneThreadAndOthersRun) {
  TickPool pool({.minThreads = 1, .maxThreads = 8, .idleTimeout = Duration(10000)});
  std::promise<void> release;
  auto gate = release.get_future().share();
  pool.submit([gate] { gate.wait(); });
  std::atomic<int> done{0};
  for (int i = 0; i < 20; ++i) pool.submit([&] { ++done; });
  EXPECT_TRUE(waitFor([&] { return done == 20; }));
  EXPECT_LE(pool.threads(), 8u);
  release.set_value();
  EXPECT_TRUE(waitFor([&] { return pool.busy() == 0; }));
}

TEST(TickPoolTest, AtTheCapTasksQueueAndRunWhenAThreadFrees) {
  TickPool pool({.minThreads = 1, .maxThreads = 2, .idleTimeout = Duration(10000)});
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<int> done{0};
  for (int i = 0; i < 2; ++i) pool.submit([gate, &done] { gate.wait(); ++done; });
  for (int i = 0; i < 5; ++i) pool.submit([&] { ++done; });
  ASSERT_TRUE(waitFor([&] { return pool.queued() == 5; }));
  EXPECT_EQ(pool.threads(), 2u);
  EXPECT_EQ(done, 0);
  release.set_value();
  EXPECT_TRUE(waitFor([&] { return done == 7; }));
  EXPECT_EQ(pool.threads(), 2u);
}

TEST(TickPoolTest, AfterABurstASteadyTrickleLetsTheIdleThreadsExit) {
  // 16 threads for a burst; then one short task at a time. With the most recently idle thread
  // woken first, the trickle keeps one or two threads busy and the rest time out; a FIFO wake
  // would rotate through all 16 and keep them alive.
  TickPool pool({.minThreads = 1, .maxThreads = 64, .idleTimeout = Duration(100)});
  std::promise<void> release;
  auto gate = release.get_future().share();
  for (int i = 0; i < 16; ++i) pool.submit([gate] { gate.wait(); });
  ASSERT_TRUE(waitFor([&] { return pool.threads() == 16; }));
  release.set_value();
  ASSERT_TRUE(waitFor([&] { return pool.busy() == 0; }));
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) {  // 100 × 5 ms = 5 idle timeouts
    pool.submit([&] { ++done; });
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(waitFor([&] { return done == 100; }));
  EXPECT_LE(pool.threads(), 4u);
}

TEST(TickPoolTest, StopRunsQueuedTasksThenJoins) {
  std::atomic<int> done{0};
  {
    TickPool pool({.minThreads = 1, .maxThreads = 1, .idleTimeout = Duration(10000)});
    for (int i = 0; i < 50; ++i) pool.submit([&] { ++done; });
    pool.stop();
    EXPECT_EQ(pool.threads(), 0u);
    pool.submit([&] { ++done; });  // refused after stop
  }
  EXPECT_EQ(done, 50);
}

}  // namespace
}  // namespace aviary::runtime
