#include "controller/weights.h"

#include <gtest/gtest.h>

namespace aviary::controller {
namespace {

using router::Mirror;
using router::Routes;
using router::Weights;

api::CanaryAnalysis analysis(std::optional<int32_t> step, std::vector<int32_t> steps = {},
                             std::optional<int32_t> max = std::nullopt) {
  api::CanaryAnalysis a;
  a.stepWeight = step;
  a.stepWeights = std::move(steps);
  a.maxWeight = max;
  return a;
}

TEST(MaxWeightTest, Rules) {
  EXPECT_EQ(maxWeight(analysis(10)), 100);
  EXPECT_EQ(maxWeight(analysis(10, {}, 50)), 50);
  EXPECT_EQ(maxWeight(analysis(10, {}, 0)), 100);
  EXPECT_EQ(maxWeight(analysis(std::nullopt, {1, 2, 10, 80})), 80);
  EXPECT_EQ(maxWeight(analysis(10, {5, 40}, 90)), 40);  // stepWeights wins even with maxWeight
  EXPECT_EQ(maxWeight(analysis(std::nullopt, {5, 150})), 100);
}

TEST(NextStepWeightTest, StepWeightIsConstant) {
  for (int w = 0; w <= 100; ++w) {
    EXPECT_EQ(nextStepWeight(analysis(10), w), 10);
    EXPECT_EQ(nextStepWeight(analysis(10, {1, 2}), w), 10);  // stepWeight wins
  }
  EXPECT_EQ(nextStepWeight(analysis(std::nullopt), 0), 0);
  EXPECT_EQ(nextStepWeight(analysis(0), 40), 0);
}

TEST(NextStepWeightTest, StepWeightsExhaustive) {
  const std::vector<int32_t> steps{1, 2, 10, 80};
  const auto a = analysis(std::nullopt, steps);
  for (int w = 0; w <= 100; ++w) {
    int32_t expected;
    if (w == 100) {
      expected = 1;
    } else if (w == 0) {
      expected = std::min(100 - w, steps[0]);
    } else {
      expected = 100 - w;  // not an entry: jump to the end
      for (size_t i = 0; i + 1 < steps.size(); ++i) {
        if (steps[i] == w) expected = std::min(100 - w, steps[i + 1] - w);
      }
    }
    EXPECT_EQ(nextStepWeight(a, w), expected) << "w=" << w;
  }
  EXPECT_EQ(nextStepWeight(a, 0), 1);
  EXPECT_EQ(nextStepWeight(a, 1), 1);
  EXPECT_EQ(nextStepWeight(a, 2), 8);
  EXPECT_EQ(nextStepWeight(a, 10), 70);
  EXPECT_EQ(nextStepWeight(a, 80), 20);  // last entry: distance to 100
  EXPECT_EQ(nextStepWeight(a, 33), 67);
}

TEST(AdvanceCanaryTest, LinearStepsOvershootMax) {
  const auto a = analysis(20, {}, 50);
  Routes r;
  std::vector<int32_t> seen;
  while (r.weights.canary() < maxWeight(a)) {
    r = advanceCanary(a, r);
    EXPECT_EQ(r.weights.primary() + r.weights.canary(), 100);
    seen.push_back(r.weights.canary());
  }
  EXPECT_EQ(seen, (std::vector<int32_t>{20, 40, 60}));
}

TEST(AdvanceCanaryTest, EveryStepWeightFromEveryWeightStaysInRange) {
  for (int step = 1; step <= 100; ++step) {
    const auto a = analysis(step);
    for (int w = 0; w <= 100; ++w) {
      const auto r = advanceCanary(a, Routes{Weights::withCanary(w), Mirror::No});
      EXPECT_EQ(r.weights.canary(), std::min(100, w + step));
      EXPECT_EQ(r.weights.primary(), std::max(0, 100 - w - step));
    }
  }
}

TEST(AdvanceCanaryTest, MirrorPreStep) {
  auto a = analysis(10);
  a.mirror = true;
  Routes r;
  r = advanceCanary(a, r);
  EXPECT_EQ(r.weights, Weights::allPrimary());
  EXPECT_EQ(r.mirror, Mirror::Yes);
  r = advanceCanary(a, r);
  EXPECT_EQ(r.weights.canary(), 10);
  EXPECT_EQ(r.mirror, Mirror::No);
  r = advanceCanary(a, r);
  EXPECT_EQ(r.weights.canary(), 20);
}

TEST(AdvanceCanaryTest, StepWeightsSequence) {
  const auto a = analysis(std::nullopt, {5, 25, 50});
  Routes r;
  std::vector<int32_t> seen;
  while (r.weights.canary() < maxWeight(a)) {
    r = advanceCanary(a, r);
    seen.push_back(r.weights.canary());
  }
  EXPECT_EQ(seen, (std::vector<int32_t>{5, 25, 50}));
}

TEST(PromotionStepTest, Exhaustive) {
  for (int step = 1; step <= 100; ++step) {
    for (int c = 0; c <= 100; ++c) {
      const auto w = promotionStep(Weights::withCanary(c), step);
      EXPECT_EQ(w.primary(), std::min(100, 100 - c + step));
      EXPECT_EQ(w.primary() + w.canary(), 100);
    }
  }
  EXPECT_EQ(promotionStep(Weights::allCanary(), 50).primary(), 50);
  EXPECT_EQ(promotionStep(Weights::withCanary(50), 50).primary(), 100);
}

}  // namespace
}  // namespace aviary::controller
