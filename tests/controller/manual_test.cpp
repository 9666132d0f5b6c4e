// Manual actions: the pure rule (decide), the annotation's wire form, and each action applied by
// the engine at each phase where it applies, refused with its reason where it does not.
#include "controller/manual.h"

#include <gtest/gtest.h>

#include "engine_fixture.h"

namespace aviary::controller {
namespace {

using api::HookType;
using api::Phase;

ManualAction act(ManualVerb v, bool skip = false) {
  ManualAction a;
  a.verb = v;
  a.skipAnalysis = skip;
  a.user = "alice";
  return a;
}

TEST(ManualDecideTest, RuleTable) {
  // Expected: which phases each action applies in (not paused).
  const std::vector<Phase> all{Phase::None,        Phase::Initializing,     Phase::Initialized, Phase::Waiting,
                               Phase::Progressing, Phase::WaitingPromotion, Phase::Promoting,   Phase::Finalising,
                               Phase::Succeeded,   Phase::Failed,           Phase::Terminating, Phase::Terminated};
  auto applies = [&](ManualAction a, Phase p, bool paused = false) { return decide(a, p, paused).applies; };
  for (auto p : all) {
    const bool running = p == Phase::Progressing || p == Phase::Waiting || p == Phase::WaitingPromotion;
    SCOPED_TRACE(api::toString(p));
    EXPECT_EQ(applies(act(ManualVerb::Promote), p), running && p != Phase::Waiting);
    EXPECT_EQ(applies(act(ManualVerb::Promote, true), p), running);
    EXPECT_EQ(applies(act(ManualVerb::Abort), p), running);
    EXPECT_EQ(applies(act(ManualVerb::Pause), p), running);
    EXPECT_FALSE(applies(act(ManualVerb::Pause), p, /*paused=*/true));
    EXPECT_FALSE(applies(act(ManualVerb::Resume), p));
    EXPECT_TRUE(applies(act(ManualVerb::Resume), p, /*paused=*/true));
    EXPECT_EQ(applies(act(ManualVerb::Retry), p), p == Phase::Failed);
  }
}

TEST(ManualDecideTest, RefusalsSayWhy) {
  EXPECT_EQ(decide(act(ManualVerb::Promote), Phase::Succeeded, false).reason,
            "cannot promote: the canary is Succeeded, no analysis is running (applies to Progressing, Waiting or "
            "WaitingPromotion)");
  EXPECT_EQ(decide(act(ManualVerb::Abort), Phase::Promoting, false).reason,
            "cannot abort: the canary is Promoting, its promotion is already under way");
  EXPECT_EQ(decide(act(ManualVerb::Retry), Phase::Succeeded, false).reason,
            "cannot retry: the canary is Succeeded; retry starts the analysis of a Failed revision again");
  EXPECT_EQ(decide(act(ManualVerb::Resume), Phase::Progressing, false).reason,
            "cannot resume: the canary is not paused");
  EXPECT_NE(decide(act(ManualVerb::Promote), Phase::Waiting, false).reason.find("--skip-analysis"), std::string::npos);
}

TEST(ManualAnnotationTest, ParsesAndRefuses) {
  auto a = actionFromAnnotations({{kActionAnnotation, "promote --skip-analysis"},
                                  {kActionByAnnotation, "bob"},
                                  {kActionAtAnnotation, "2026-01-01T00:00:00Z"}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->verb, ManualVerb::Promote);
  EXPECT_TRUE(a->skipAnalysis);
  EXPECT_EQ(a->user, "bob");
  EXPECT_EQ(formatAction(*a), "promote --skip-analysis");
  auto p = actionFromAnnotations({{kActionAnnotation, " pause "}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->verb, ManualVerb::Pause);
  EXPECT_EQ(p->user, "");
  auto bad = actionFromAnnotations({{kActionAnnotation, "abort --skip-analysis"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "metadata.annotations[aviary.dev/action]: expected one of promote, promote --skip-analysis, abort, pause, "
            "resume, retry, found \"abort --skip-analysis\"");
  EXPECT_FALSE(actionFromAnnotations({{kActionAnnotation, "rollback"}}).ok());
}

TEST(ManualPausedTest, ConditionKeptBesidePromoted) {
  api::CanaryStatus s;
  api::Condition promoted;
  promoted.status = "Unknown";
  promoted.reason = "Progressing";
  s.conditions.push_back(promoted);
  setPaused(s, true, "paused", "2026-01-01T00:00:00Z");
  EXPECT_TRUE(isPaused(s));
  ASSERT_EQ(s.conditions.size(), 2u);
  EXPECT_EQ(s.conditions[0].type, "Promoted");
  setPaused(s, false, "", "");
  EXPECT_FALSE(isPaused(s));
  EXPECT_EQ(s.conditions.size(), 1u);
}

// A canary in Progressing at canary weight 50.
struct Progressing : EngineFixture {
  explicit Progressing(api::Canary c = basicCanary()) : EngineFixture(std::move(c)) {
    tick();
    target.setRevision({{"image", "podinfo:2"}});
    tick(2);
  }
  void apply(ManualAction a) {
    rt.action = std::move(a);
    tick();
  }
};

TEST(ManualEngineTest, PauseHoldsTheWeightAndCountsNoChecksUntilResumed) {
  Progressing f;
  ASSERT_EQ(f.phase(), Phase::Progressing);
  ASSERT_EQ(f.canaryWeight(), 50);
  f.checker.set("request-success-rate", ScriptedMetric::ofValue(10));  // would fail
  f.sink.events.clear();
  f.apply(act(ManualVerb::Pause));
  EXPECT_TRUE(isPaused(f.rt.status));
  EXPECT_EQ(f.sink.messages(),
            std::vector<std::string>{"Paused podinfo.test at canary weight 50 (requested by alice)"});
  f.tick(5);
  EXPECT_EQ(f.canaryWeight(), 50);
  EXPECT_EQ(f.rt.status.failedChecks, 0);
  EXPECT_EQ(f.phase(), Phase::Progressing);
  EXPECT_EQ(f.sink.events.size(), 1u);
  // A new revision while paused is not picked up either.
  f.apply(act(ManualVerb::Pause));
  EXPECT_EQ(f.sink.events.back().message,
            "Manual pause of podinfo.test (requested by alice) refused: cannot pause: the canary is already paused");
  f.apply(act(ManualVerb::Resume));
  EXPECT_FALSE(isPaused(f.rt.status));
  EXPECT_TRUE(f.sink.contains("Resumed podinfo.test (requested by alice)"));
  EXPECT_EQ(f.rt.status.failedChecks, 1);  // the analysis went on in the same tick
}

TEST(ManualEngineTest, AbortRollsBackNow) {
  Progressing f;
  f.apply(act(ManualVerb::Abort));
  EXPECT_EQ(f.phase(), Phase::Failed);
  EXPECT_EQ(f.canaryWeight(), 0);
  EXPECT_TRUE(f.target.canaryScaledToZero());
  EXPECT_TRUE(f.sink.contains("Rolling back podinfo.test: aborted manually (requested by alice)"));
  EXPECT_TRUE(f.sink.contains("Canary failed! Scaling down podinfo.test"));
}

TEST(ManualEngineTest, PromoteFinishesTheAnalysisNow) {
  Progressing f;
  f.apply(act(ManualVerb::Promote));
  EXPECT_EQ(f.phase(), Phase::Promoting);
  EXPECT_EQ(f.target.promotions(), 1);
  EXPECT_EQ(f.target.primaryRevision(), f.target.currentRevision());
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Succeeded);
  EXPECT_EQ(f.canaryWeight(), 0);
  EXPECT_TRUE(f.sink.contains("Manual promotion of podinfo.test (requested by alice)"));
  f.sink.events.clear();
  f.tick(2);  // the promoted revision is not taken for a new one
  EXPECT_TRUE(f.sink.events.empty());
  // Refused where it does not apply.
  f.apply(act(ManualVerb::Promote));
  EXPECT_EQ(f.sink.messages(),
            std::vector<std::string>{"Manual promote of podinfo.test (requested by alice) refused: cannot promote: the "
                                     "canary is Succeeded, no analysis is running (applies to Progressing, Waiting or "
                                     "WaitingPromotion)"});
  EXPECT_EQ(f.phase(), Phase::Succeeded);
}

TEST(ManualEngineTest, ClosedConfirmPromotionGateHoldsUnlessSkipAnalysis) {
  auto c = basicCanary();
  c.spec.analysis->webhooks.push_back(hook("approve", HookType::ConfirmPromotion));
  Progressing f(c);
  f.hooks.set("approve", webhooks::ScriptedAnswer::ofStatus(403));
  f.apply(act(ManualVerb::Promote));
  EXPECT_EQ(f.phase(), Phase::WaitingPromotion);
  EXPECT_EQ(f.target.promotions(), 0);
  EXPECT_TRUE(
      f.sink.contains("Manual promotion of podinfo.test (requested by alice) held by the confirm-promotion "
                      "gate; promote --skip-analysis overrides it"));
  f.apply(act(ManualVerb::Promote, true));
  EXPECT_EQ(f.phase(), Phase::Promoting);
  EXPECT_TRUE(f.sink.contains("Manual promotion of podinfo.test, analysis skipped (requested by alice)"));
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Succeeded);
}

TEST(ManualEngineTest, WaitingAtConfirmRolloutPromotesOnlyWithSkipAnalysis) {
  auto c = basicCanary();
  c.spec.analysis->webhooks.push_back(hook("go", HookType::ConfirmRollout));
  EngineFixture f(c);
  f.tick();
  f.hooks.set("go", webhooks::ScriptedAnswer::ofStatus(403));
  f.target.setRevision({{"image", "podinfo:2"}});
  f.tick();
  ASSERT_EQ(f.phase(), Phase::Waiting);
  f.rt.action = act(ManualVerb::Promote);
  f.tick();
  EXPECT_EQ(f.phase(), Phase::Waiting);
  EXPECT_EQ(f.target.promotions(), 0);
  f.rt.action = act(ManualVerb::Promote, true);
  f.tick(3);
  EXPECT_EQ(f.phase(), Phase::Succeeded);
  EXPECT_EQ(f.target.primaryRevision(), f.target.currentRevision());
  f.sink.events.clear();
  f.tick(2);
  EXPECT_TRUE(f.sink.events.empty());  // nothing new to analyse
}

TEST(ManualEngineTest, AbortAndPauseAtWaitingPromotion) {
  auto c = basicCanary();
  c.spec.analysis->webhooks.push_back(hook("approve", HookType::ConfirmPromotion));
  Progressing f(c);
  f.hooks.set("approve", webhooks::ScriptedAnswer::ofStatus(403));
  f.tick(2);
  ASSERT_EQ(f.phase(), Phase::WaitingPromotion);
  f.apply(act(ManualVerb::Pause));
  EXPECT_TRUE(isPaused(f.rt.status));
  f.apply(act(ManualVerb::Abort));
  EXPECT_FALSE(isPaused(f.rt.status));
  EXPECT_EQ(f.phase(), Phase::Failed);
}

TEST(ManualEngineTest, RetryStartsTheFailedRevisionAgain) {
  Progressing f;
  f.apply(act(ManualVerb::Abort));
  ASSERT_EQ(f.phase(), Phase::Failed);
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Failed);  // stays Failed on its own
  f.sink.events.clear();
  f.apply(act(ManualVerb::Retry));
  EXPECT_EQ(f.phase(), Phase::Progressing);
  EXPECT_FALSE(f.target.canaryScaledToZero());
  EXPECT_EQ(f.sink.messages(), (std::vector<std::string>{"Retrying the analysis of podinfo.test (requested by alice)",
                                                         "New revision detected! Scaling up podinfo.test"}));
  f.tick(3);
  EXPECT_EQ(f.phase(), Phase::Promoting);
  f.tick(2);
  EXPECT_EQ(f.phase(), Phase::Succeeded);
  f.apply(act(ManualVerb::Retry));
  EXPECT_EQ(f.sink.events.back().message,
            "Manual retry of podinfo.test (requested by alice) refused: cannot retry: the canary is Succeeded; retry "
            "starts the analysis of a Failed revision again");
}

}  // namespace
}  // namespace aviary::controller
