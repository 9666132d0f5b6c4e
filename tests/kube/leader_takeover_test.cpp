// Two electors running for real (threads, the system clock, short durations) on the sandbox's
// Lease: a sampler checks continuously that they are never both leader while the leader is
// stopped (release: the other takes over at its next retry) and killed (no release: the other
// waits for the lease to expire). Bounded: every wait has a deadline of a few seconds.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "kube/client.h"
#include "kube/leader_election.h"
#include "lease_sandbox.h"

namespace aviary::kube {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// One elector on its own thread, with its own stop flag.
struct Contender {
  Contender(Client& client, const Clock& clock, const std::string& id, bool releaseOnStop) {
    LeaderElectionConfig c;
    c.identity = id;
    c.leaseNamespace = "default";
    c.leaseDuration = 1000ms;
    c.renewDeadline = 600ms;
    c.retryPeriod = 100ms;
    c.releaseOnStop = releaseOnStop;
    elector = std::make_unique<LeaderElector>(client, c, clock);
    thread = std::thread([this] {
      auto s = elector->run([this] { ++started; }, [this] { ++stopped; }, stop);
      EXPECT_TRUE(s.ok()) << s.error().format();
      done = true;
    });
  }
  ~Contender() { halt(); }
  void halt() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
  std::unique_ptr<LeaderElector> elector;
  std::atomic<bool> stop{false}, done{false};
  std::atomic<int> started{0}, stopped{0};
  std::thread thread;
};

class LeaderTakeoverTest : public ::testing::Test {
 protected:
  // Samples both electors every millisecond until `until` holds or `limit` passes; fails the test
  // if both ever report leadership at once. Returns how long it took (limit when it never held).
  template <typename Pred>
  std::chrono::milliseconds sampleUntil(Contender& x, Contender& y, Pred until, std::chrono::milliseconds limit) {
    auto start = Steady::now();
    while (Steady::now() - start < limit) {
      bool both = x.elector->isLeader() && y.elector->isLeader();
      EXPECT_FALSE(both) << x.elector->identity() << " and " << y.elector->identity() << " both leader";
      if (both) break;
      if (until()) break;
      std::this_thread::sleep_for(1ms);  // the sampling rate, not a wait for an outcome
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - start);
  }

  testing::LeaseSandbox sandbox_{std::chrono::milliseconds(500)};  // timeout below the renew deadline
  Client* client_ = sandbox_.client.get();
  SystemClock clock_;
};

TEST_F(LeaderTakeoverTest, AStoppedLeaderReleasesAndTheOtherTakesOverAtOnce) {
  Contender a(*client_, clock_, "a", /*releaseOnStop=*/true);
  Contender b(*client_, clock_, "b", /*releaseOnStop=*/true);
  auto oneLeads = [&] { return a.elector->isLeader() || b.elector->isLeader(); };
  ASSERT_LT(sampleUntil(a, b, oneLeads, 3000ms), 3000ms) << "nobody acquired the lease";
  sampleUntil(a, b, [] { return false; }, 500ms);  // renewals go on, the follower retries: one leader
  ASSERT_TRUE(oneLeads());
  Contender& leader = a.elector->isLeader() ? a : b;
  Contender& follower = &leader == &a ? b : a;
  EXPECT_EQ(leader.started.load(), 1);
  EXPECT_EQ(follower.started.load(), 0);

  leader.stop = true;
  // isLeader() turns true just before onStartedLeading runs: wait for both.
  auto handover = sampleUntil(a, b, [&] { return follower.elector->isLeader() && follower.started == 1; }, 3000ms);
  leader.halt();
  EXPECT_EQ(leader.stopped.load(), 1);
  ASSERT_TRUE(follower.elector->isLeader()) << "no takeover after a release";
  // The follower's next retry (100 ms) finds the lease free; without the release it would wait
  // for the 1 s lease to expire.
  EXPECT_LT(handover, 700ms);
  EXPECT_EQ(follower.started.load(), 1);
}

TEST_F(LeaderTakeoverTest, AKilledLeaderIsReplacedOnlyAfterItsLeaseExpires) {
  // Without release, stopping is what a kill looks like to the API server: the lease stays as
  // last renewed.
  Contender a(*client_, clock_, "a", /*releaseOnStop=*/false);
  Contender b(*client_, clock_, "b", /*releaseOnStop=*/false);
  auto oneLeads = [&] { return a.elector->isLeader() || b.elector->isLeader(); };
  ASSERT_LT(sampleUntil(a, b, oneLeads, 3000ms), 3000ms) << "nobody acquired the lease";
  sampleUntil(a, b, [] { return false; }, 300ms);
  ASSERT_TRUE(oneLeads());
  Contender& leader = a.elector->isLeader() ? a : b;
  Contender& follower = &leader == &a ? b : a;

  leader.halt();  // returns after its current wait; isLeader() is false from then on
  EXPECT_FALSE(leader.elector->isLeader());
  auto takeover = sampleUntil(a, b, [&] { return follower.elector->isLeader(); }, 3000ms);
  ASSERT_TRUE(follower.elector->isLeader()) << "no takeover after the lease expired";
  // The follower last saw a renewal at most ~one retry (100 ms) plus the halt's wait before the
  // kill, and waits 1 s from then.
  EXPECT_GE(takeover, 700ms);
  EXPECT_LT(takeover, 2500ms);
  Json l = sandbox_.lease();
  EXPECT_EQ(l["spec"]["holderIdentity"], follower.elector->identity());
  EXPECT_EQ(l["spec"]["leaseTransitions"], 1);
}

}  // namespace
}  // namespace aviary::kube
