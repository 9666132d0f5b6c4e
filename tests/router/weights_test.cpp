#include "router/weights.h"

#include <gtest/gtest.h>

namespace aviary::router {
namespace {

TEST(WeightsTest, FactoriesSumToHundred) {
  EXPECT_EQ(Weights::allPrimary().primary(), 100);
  EXPECT_EQ(Weights::allPrimary().canary(), 0);
  EXPECT_EQ(Weights::allCanary().primary(), 0);
  EXPECT_EQ(Weights::allCanary().canary(), 100);
  for (int c = -20; c <= 120; ++c) {
    const Weights w = Weights::withCanary(c);
    EXPECT_EQ(w.primary() + w.canary(), 100) << c;
    EXPECT_GE(w.canary(), 0);
    EXPECT_LE(w.canary(), 100);
  }
  EXPECT_EQ(Weights::withCanary(130), Weights::allCanary());
  EXPECT_EQ(Weights::withCanary(-5), Weights::allPrimary());
}

TEST(WeightsTest, CheckedConstructionRejectsBadSplits) {
  for (int p = -5; p <= 105; ++p) {
    for (int c = -5; c <= 105; ++c) {
      auto w = Weights::of(p, c);
      const bool valid = p >= 0 && c >= 0 && p <= 100 && c <= 100 && p + c == 100;
      ASSERT_EQ(w.ok(), valid) << p << "/" << c;
      if (valid) {
        EXPECT_EQ(w->primary(), p);
        EXPECT_EQ(w->canary(), c);
      }
    }
  }
  auto bad = Weights::of(60, 60);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "weights must be in [0, 100] and sum to 100, got primary 60 canary 60");
}

TEST(WeightsTest, ToString) { EXPECT_EQ(Weights::withCanary(10).toString(), "primary=90 canary=10"); }

}  // namespace
}  // namespace aviary::router
