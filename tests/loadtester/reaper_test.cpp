// ProcessReaper: many commands waited for by one thread, with runProcess's rules (output,
// exit status, timeouts that kill the group, shutdown).
#include "loadtester/reaper.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>

namespace aviary::loadtester {
namespace {

// Collects results by name; wait() is bounded.
class Results {
 public:
  ProcessReaper::OnExit sink(const std::string& name) {
    return [this, name](const ProcessResult& r) {
      std::lock_guard lock(mu_);
      results_[name] = r;
      cv_.notify_all();
    };
  }
  bool wait(size_t n, std::chrono::seconds limit = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return results_.size() >= n; });
  }
  ProcessResult get(const std::string& name) {
    std::lock_guard lock(mu_);
    return results_[name];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, ProcessResult> results_;
};

ProcessSpec sh(const std::string& script, Duration timeout = std::chrono::seconds(20)) {
  ProcessSpec s;
  s.argv = {"sh", "-c", script};
  s.timeout = timeout;
  return s;
}

TEST(ProcessReaperTest, ManyCommandsOneThread) {
  ProcessReaper reaper;
  ASSERT_EQ(reaper.error(), "");
  Results res;
  reaper.start(sh("echo out; echo err >&2; exit 4"), res.sink("exit4"));
  reaper.start(sh("echo ok"), res.sink("ok"));
  // The leader exits while a child it left behind holds the pipe: the group is ended then.
  reaper.start(sh("sleep 30 & echo left"), res.sink("left"));
  // A timeout kills the whole group.
  reaper.start(sh("sleep 30; echo never", std::chrono::milliseconds(200)), res.sink("timeout"));
  ProcessSpec missing;
  missing.argv = {"no-such-binary-aviary"};
  reaper.start(missing, res.sink("missing"));  // answered at once, on this thread
  EXPECT_EQ(res.get("missing").started, false);
  ASSERT_TRUE(res.wait(5));
  EXPECT_EQ(res.get("exit4").exitCode, 4);
  EXPECT_EQ(res.get("exit4").output, "out\nerr\n");
  EXPECT_TRUE(res.get("ok").ok());
  EXPECT_EQ(res.get("ok").output, "ok\n");
  EXPECT_EQ(res.get("left").output, "left\n");
  EXPECT_LT(res.get("left").elapsed, std::chrono::seconds(10));
  EXPECT_TRUE(res.get("timeout").timedOut);
  EXPECT_EQ(res.get("timeout").describe().substr(0, 14), "signal: killed");
  EXPECT_EQ(reaper.running(), 0u);
}

TEST(ProcessReaperTest, ShutdownKillsAndReportsEveryCommand) {
  Results res;
  {
    ProcessReaper reaper;
    for (int i = 0; i < 5; ++i) reaper.start(sh("sleep 30"), res.sink("s" + std::to_string(i)));
    EXPECT_EQ(reaper.running(), 5u);
    const auto t0 = std::chrono::steady_clock::now();
    reaper.shutdown();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_EQ(reaper.running(), 0u);
    reaper.start(sh("echo late"), res.sink("late"));  // refused after shutdown
  }
  ASSERT_TRUE(res.wait(6));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(res.get("s" + std::to_string(i)).cancelled) << i;
  EXPECT_FALSE(res.get("late").started);
}

}  // namespace
}  // namespace aviary::loadtester
