// UpstreamManager's outlier detection is per cluster × endpoint (issue 24, problem 3): two
// clusters listing the same addresses share connections but not error counts or ejections.
#include "proxy/upstream.h"

#include <gtest/gtest.h>

#include <set>

namespace aviary::proxy {
namespace {

class OutlierPerClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // x ejects after 3 consecutive gateway errors; y has outlier detection off.
    auto cfg = decodeProxyConfig(R"(listeners: [{name: m, routes: [{route: [{cluster: x}]}]}]
clusters:
  - name: x
    endpoints: ["127.0.0.1:1001", "127.0.0.1:1002"]
    outlierDetection: {consecutiveGatewayErrors: 3, baseEjectionTime: 30s, maxEjectionPercent: 100}
  - name: y
    endpoints: ["127.0.0.1:1001", "127.0.0.1:1002"]
)", "o.yaml");
    ASSERT_TRUE(cfg.ok()) << cfg.error().format();
    auto snap = Snapshot::build(cfg.value(), 1);
    ASSERT_TRUE(snap.ok()) << snap.error().format();
    snap_ = snap.value();
    ups_ = std::make_unique<UpstreamManager>(loop_, 0, gauge_);
  }
  // The endpoint at port 1002 ("B") as `cluster` sees it: choose() until it comes up.
  EndpointState* endpointB(uint32_t cluster) {
    for (int i = 0; i < 4; ++i) {
      EndpointState* ep = ups_->choose(*snap_, cluster, 0, now_, nullptr);
      if (ep != nullptr && ep->address.port() == 1002) return ep;
    }
    return nullptr;
  }
  // The ports choose() returns for `cluster` over a few picks.
  std::set<uint16_t> chosen(uint32_t cluster) {
    std::set<uint16_t> ports;
    for (int i = 0; i < 6; ++i) {
      if (EndpointState* ep = ups_->choose(*snap_, cluster, static_cast<uint64_t>(i), now_, nullptr)) {
        ports.insert(ep->address.port());
      }
    }
    return ports;
  }

  EventLoop loop_;
  std::atomic<int64_t> gauge_{0};
  SnapshotPtr snap_;
  std::unique_ptr<UpstreamManager> ups_;
  SteadyTime now_ = std::chrono::steady_clock::now();
  static constexpr uint32_t kX = 0, kY = 1;
};

TEST_F(OutlierPerClusterTest, AnotherClustersFailuresNeitherCountNorEject) {
  EndpointState* bY = endpointB(kY);
  EndpointState* bX = endpointB(kX);
  ASSERT_NE(bY, nullptr);
  ASSERT_EQ(bX, bY);  // one endpoint state (pool) per address
  // y's failures: its detection is off, and they are not x's.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(ups_->report(*snap_, kY, *bY, AttemptOutcome::LocalFailure, now_));
  // One failure of x's own does not eject B from x (before: y's five counted, and it did).
  EXPECT_FALSE(ups_->report(*snap_, kX, *bX, AttemptOutcome::GatewayError, now_));
  EXPECT_EQ(chosen(kX), (std::set<uint16_t>{1001, 1002}));
  EXPECT_FALSE(ups_->report(*snap_, kX, *bX, AttemptOutcome::GatewayError, now_));
  EXPECT_TRUE(ups_->report(*snap_, kX, *bX, AttemptOutcome::GatewayError, now_));  // the third
  EXPECT_EQ(chosen(kX), (std::set<uint16_t>{1001}));
  // y, whose detection is off, still uses B.
  EXPECT_EQ(chosen(kY), (std::set<uint16_t>{1001, 1002}));
  const auto b = bX->address;
  ASSERT_NE(ups_->outlierForTest("x", b), nullptr);
  EXPECT_TRUE(ups_->outlierForTest("x", b)->ejected(now_));
  EXPECT_FALSE(ups_->outlierForTest("y", b)->ejected(now_));
  EXPECT_EQ(ups_->outlierForTest("y", b)->ejections, 0u);
}

TEST_F(OutlierPerClusterTest, ASuccessElsewhereDoesNotResetACount) {
  EndpointState* b = endpointB(kX);
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(ups_->report(*snap_, kX, *b, AttemptOutcome::GatewayError, now_));
  EXPECT_FALSE(ups_->report(*snap_, kX, *b, AttemptOutcome::GatewayError, now_));
  EXPECT_FALSE(ups_->report(*snap_, kY, *b, AttemptOutcome::Success, now_));  // y's, not x's
  EXPECT_TRUE(ups_->report(*snap_, kX, *b, AttemptOutcome::GatewayError, now_));
}

}  // namespace
}  // namespace aviary::proxy
