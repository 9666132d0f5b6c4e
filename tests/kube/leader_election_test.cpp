// Leader election against the sandbox's Leases, on a ManualClock: the expiry arithmetic (when a
// lease held by another may be taken), renewals, release, and losing the lease in run().
// Deterministic: the electors' time only moves when the test (or their injected sleep) says so.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "kube/client.h"
#include "kube/leader_election.h"
#include "lease_sandbox.h"

namespace aviary::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};

class LeaderElectionTest : public ::testing::Test {
 protected:
  LeaderElectionConfig config(const std::string& identity) {
    LeaderElectionConfig c;
    c.identity = identity;
    c.leaseNamespace = "default";
    return c;  // client-go's defaults: 15 s / 10 s / 2 s
  }

  Json lease() { return sandbox_.lease(); }

  testing::LeaseSandbox sandbox_;
  Client* client_ = sandbox_.client.get();
  ManualClock clock_{Clock::TimePoint{} + std::chrono::hours(24 * 20000)};
};

bool acquired(LeaderElector& e) {
  auto r = e.tryAcquireOrRenew();
  EXPECT_TRUE(r.ok()) << r.error().format();
  return r.ok() && *r;
}

TEST(LeaderElectionConfigTest, EveryProblemAtOnce) {
  LeaderElectionConfig c;
  c.leaseName = "";
  c.retryPeriod = milliseconds(0);
  c.renewDeadline = milliseconds(0);
  c.leaseDuration = milliseconds(500);
  auto s = validateLeaderElectionConfig(c);
  ASSERT_FALSE(s.ok());
  const auto& m = s.error().message;
  EXPECT_NE(m.find("leaseName: expected a lease name"), std::string::npos) << m;
  EXPECT_NE(m.find("retryPeriod: expected > 0, found 0ms"), std::string::npos) << m;
  EXPECT_NE(m.find("renewDeadline: expected more than retryPeriod"), std::string::npos) << m;
  EXPECT_NE(m.find("leaseDuration: expected at least 1s"), std::string::npos) << m;
  EXPECT_TRUE(validateLeaderElectionConfig(LeaderElectionConfig{}).ok());
}

TEST(LeaderElectionFormatTest, MicroTimeAndIdentity) {
  auto t = Clock::TimePoint{} + seconds(1796549706) + std::chrono::microseconds(123456);
  EXPECT_EQ(formatMicroTime(t), "2026-12-06T09:35:06.123456Z");
  EXPECT_EQ(formatMicroTime(Clock::TimePoint{}), "1970-01-01T00:00:00.000000Z");
  auto id = defaultLeaderIdentity();
  EXPECT_NE(id.find('_'), std::string::npos);
  EXPECT_EQ(id.substr(id.rfind('_') + 1), std::to_string(getpid()));
}

TEST_F(LeaderElectionTest, CreatesTheLeaseAsClientGoWritesIt) {
  LeaderElector a(*client_, config("a"), clock_);
  ASSERT_TRUE(acquired(a));
  Json l = lease();
  EXPECT_EQ(l["spec"]["holderIdentity"], "a");
  EXPECT_EQ(l["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(l["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(l["spec"]["renewTime"], formatMicroTime(clock_.now()));
  EXPECT_EQ(l["spec"]["acquireTime"], l["spec"]["renewTime"]);
  // Renewal moves renewTime and keeps acquireTime and the transition count.
  auto acquiredAt = l["spec"]["acquireTime"];
  clock_.advance(seconds(2));
  ASSERT_TRUE(acquired(a));
  l = lease();
  EXPECT_EQ(l["spec"]["renewTime"], formatMicroTime(clock_.now()));
  EXPECT_EQ(l["spec"]["acquireTime"], acquiredAt);
  EXPECT_EQ(l["spec"]["leaseTransitions"], 0);
}

TEST_F(LeaderElectionTest, AnotherHolderIsWaitedForUntilItsLeaseExpires) {
  LeaderElector a(*client_, config("a"), clock_);
  LeaderElector b(*client_, config("b"), clock_);
  ASSERT_TRUE(acquired(a));
  EXPECT_FALSE(acquired(b));  // b first sees a's record now (t = 0)
  clock_.advance(seconds(14));
  EXPECT_FALSE(acquired(b));  // 14 s < 15 s
  clock_.advance(seconds(1));
  ASSERT_TRUE(acquired(b));   // 15 s without a change: expired
  Json l = lease();
  EXPECT_EQ(l["spec"]["holderIdentity"], "b");
  EXPECT_EQ(l["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(l["spec"]["acquireTime"], formatMicroTime(clock_.now()));
  EXPECT_FALSE(acquired(a));  // a now waits for b
}

TEST_F(LeaderElectionTest, ARenewalRestartsTheObserversCountdown) {
  LeaderElector a(*client_, config("a"), clock_);
  LeaderElector b(*client_, config("b"), clock_);
  ASSERT_TRUE(acquired(a));
  EXPECT_FALSE(acquired(b));  // seen at t = 0
  clock_.advance(seconds(10));
  ASSERT_TRUE(acquired(a));   // renewed at t = 10
  clock_.advance(seconds(4));
  EXPECT_FALSE(acquired(b));  // t = 14: b sees the new renewTime; its countdown restarts here
  clock_.advance(seconds(14));
  EXPECT_FALSE(acquired(b));  // t = 28 < 14 + 15
  clock_.advance(seconds(1));
  EXPECT_TRUE(acquired(b));   // t = 29
}

TEST_F(LeaderElectionTest, TheRecordsDurationDecidesExpiry) {
  // A holder configured with a longer lease (Flagger's 60 s) is honoured by a 15 s elector.
  auto cfg = config("flagger");
  cfg.leaseDuration = seconds(60);
  cfg.renewDeadline = seconds(15);
  cfg.retryPeriod = seconds(5);
  LeaderElector f(*client_, cfg, clock_);
  LeaderElector b(*client_, config("b"), clock_);
  ASSERT_TRUE(acquired(f));
  EXPECT_FALSE(acquired(b));
  clock_.advance(seconds(59));
  EXPECT_FALSE(acquired(b));
  clock_.advance(seconds(1));
  EXPECT_TRUE(acquired(b));
}

TEST_F(LeaderElectionTest, ReleaseHandsOverAtOnce) {
  LeaderElector a(*client_, config("a"), clock_);
  LeaderElector b(*client_, config("b"), clock_);
  ASSERT_TRUE(acquired(a));
  EXPECT_FALSE(acquired(b));
  ASSERT_TRUE(a.release().ok());
  Json l = lease();
  EXPECT_EQ(l["spec"]["holderIdentity"], "");
  EXPECT_EQ(l["spec"]["leaseDurationSeconds"], 1);
  EXPECT_TRUE(acquired(b));  // no waiting: an empty holder is free
  EXPECT_EQ(lease()["spec"]["leaseTransitions"], 1);
  EXPECT_TRUE(a.release().ok());  // not ours any more: nothing written
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "b");
}

TEST_F(LeaderElectionTest, AStaleWriteLosesTheRace) {
  LeaderElector a(*client_, config("a"), clock_);
  LeaderElector b(*client_, config("b"), clock_);
  ASSERT_TRUE(acquired(a));
  ASSERT_TRUE(a.release().ok());
  // Someone else takes the free lease between b's read and b's write: b's update names the old
  // resourceVersion, gets 409 and reports "not acquired" instead of overwriting the new holder.
  Json stolen = lease();
  stolen["spec"]["holderIdentity"] = "c";
  stolen["spec"]["leaseDurationSeconds"] = 15;
  Json stale = lease();
  ASSERT_TRUE(client_->update(kLeases, "default", stolen).ok());
  stale["spec"]["holderIdentity"] = "b";
  auto r = client_->update(kLeases, "default", stale);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::Conflict);
  EXPECT_FALSE(acquired(b));
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "c");
}

TEST_F(LeaderElectionTest, RunLosesLeadershipWhenRenewalsFailForTheRenewDeadline) {
  auto cfg = config("a");
  int sleeps = 0;
  bool startedSeen = false, stoppedSeen = false;
  std::atomic<bool> stop{false};
  LeaderElector* self = nullptr;
  cfg.sleep = [&](milliseconds d) {
    ++sleeps;
    if (sleeps == 3) {
      // Another writer takes the lease over (as after a partition): a's renewals now fail.
      Json l = lease();
      l["spec"]["holderIdentity"] = "intruder";
      ASSERT_TRUE(client_->update(kLeases, "default", l).ok());
    }
    if (sleeps > 3) {
      EXPECT_EQ(self->isLeader(), sleeps <= 7) << "sleep " << sleeps;
    }
    clock_.advance(d);
    if (sleeps > 50) stop = true;  // bound: the test fails below rather than spinning
  };
  LeaderElector a(*client_, cfg, clock_);
  self = &a;
  auto s = a.run([&] { startedSeen = a.isLeader(); }, [&] { stoppedSeen = !a.isLeader(); }, stop);
  ASSERT_TRUE(s.ok()) << s.error().format();
  EXPECT_TRUE(startedSeen);
  EXPECT_TRUE(stoppedSeen);
  EXPECT_FALSE(stop.load());
  // Acquired at 0 s, renewed at 2 s and 4 s; the intruder writes just after; the attempts at 6, 8,
  // 10 and 12 s fail while a is still leader, and at 14 s, 10 s after the last renewal, it is not.
  EXPECT_EQ(sleeps, 7);
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "intruder");  // a lost lease is not released
}

TEST_F(LeaderElectionTest, RunReleasesOnStop) {
  auto cfg = config("a");
  std::atomic<bool> stop{false};
  int sleeps = 0, started = 0, stopped = 0;
  cfg.sleep = [&](milliseconds d) {
    clock_.advance(d);
    if (++sleeps == 4) stop = true;
  };
  LeaderElector a(*client_, cfg, clock_);
  ASSERT_TRUE(a.run([&] { ++started; }, [&] { ++stopped; }, stop).ok());
  EXPECT_EQ(started, 1);
  EXPECT_EQ(stopped, 1);
  EXPECT_FALSE(a.isLeader());
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "");
}

TEST_F(LeaderElectionTest, RunThatNeverLeadsCallsNoCallback) {
  LeaderElector holder(*client_, config("holder"), clock_);
  ASSERT_TRUE(acquired(holder));
  auto cfg = config("b");
  std::atomic<bool> stop{false};
  int sleeps = 0, calls = 0;
  cfg.sleep = [&](milliseconds d) {
    if (++sleeps == 3) stop = true;  // 3 retries of 2 s: the 15 s lease is still held
    clock_.advance(d);
  };
  LeaderElector b(*client_, cfg, clock_);
  ASSERT_TRUE(b.run([&] { ++calls; }, [&] { ++calls; }, stop).ok());
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "holder");
}

}  // namespace
}  // namespace aviary::kube
