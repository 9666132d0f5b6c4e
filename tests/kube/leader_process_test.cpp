// A leader in another process, stopped for real: SIGKILL (nothing released: the in-process
// elector waits for the lease to expire) and SIGTERM (released: it takes over at its next retry).
// Until the child is gone, the in-process elector must never lead. Bounded: a few seconds each.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "../sandbox/run_command.h"
#include "kube/leader_election.h"
#include "lease_sandbox.h"

namespace aviary::kube {
namespace {

using namespace std::chrono_literals;
using sandbox::testing::BackgroundCommand;
using Steady = std::chrono::steady_clock;

class LeaderProcessTest : public ::testing::Test {
 protected:
  // Starts the child and waits until it leads.
  std::unique_ptr<BackgroundCommand> startLeaderChild() {
    auto child = std::make_unique<BackgroundCommand>(
        std::vector<std::string>{LEADER_CHILD_BINARY, sandbox_.server->url(), "secret", "child"});
    EXPECT_EQ(child->readLine(5000ms), "leading");
    return child;
  }
  // Runs an in-process elector (same timings as the child) on a thread.
  void startLocal() {
    LeaderElectionConfig c;
    c.identity = "local";
    c.leaseNamespace = "default";
    c.leaseDuration = 1000ms;
    c.renewDeadline = 600ms;
    c.retryPeriod = 100ms;
    local_ = std::make_unique<LeaderElector>(*sandbox_.client, c, clock_);
    thread_ = std::thread([this] { (void)local_->run([] {}, [] {}, stop_); });
  }
  // How long until the local elector leads (`limit` if it never does).
  std::chrono::milliseconds timeToLead(std::chrono::milliseconds limit) {
    auto start = Steady::now();
    while (!local_->isLeader() && Steady::now() - start < limit) std::this_thread::sleep_for(1ms);
    return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
  }
  void expectFollowerFor(std::chrono::milliseconds d) {
    auto until = Steady::now() + d;
    while (Steady::now() < until) {
      ASSERT_FALSE(local_->isLeader()) << "both leader: the child still holds the lease";
      std::this_thread::sleep_for(1ms);
    }
  }
  ~LeaderProcessTest() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  testing::LeaseSandbox sandbox_{500ms};
  SystemClock clock_;
  std::unique_ptr<LeaderElector> local_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(LeaderProcessTest, AKilledLeaderProcessIsReplacedAfterItsLeaseExpires) {
  auto child = startLeaderChild();
  startLocal();
  expectFollowerFor(500ms);
  child.reset();  // SIGKILL and reap: the lease stays as the child last renewed it
  auto t = timeToLead(3000ms);
  ASSERT_TRUE(local_->isLeader()) << "no takeover after the killed leader's lease expired";
  EXPECT_GE(t, 700ms) << "took over before the lease could have expired";
  EXPECT_LT(t, 2500ms);
  EXPECT_EQ(sandbox_.lease()["spec"]["holderIdentity"], "local");
}

TEST_F(LeaderProcessTest, ATerminatedLeaderProcessReleasesAndIsReplacedAtOnce) {
  auto child = startLeaderChild();
  startLocal();
  expectFollowerFor(300ms);
  EXPECT_EQ(child->terminate(), 0);  // SIGTERM: releases, prints "stopped", exits 0
  auto t = timeToLead(3000ms);
  ASSERT_TRUE(local_->isLeader());
  EXPECT_LT(t, 700ms) << "a released lease should be taken at the next retry";
}

}  // namespace
}  // namespace aviary::kube
