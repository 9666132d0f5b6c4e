// Manual actions through the runtime (requestAction, the status API's POST, the annotation
// aviary.dev/action on the in-memory store) and the rollout history the runtime builds, on the
// in-memory platform with scaled-down intervals.
#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "controller/manual.h"
#include "runtime/status_server.h"
#include "memory_history.h"
#include "runtime_fixture.h"

namespace aviary::runtime {
namespace {

using api::Phase;
using controller::ManualAction;
using controller::ManualVerb;

ManualAction act(ManualVerb v, const std::string& user = "alice") {
  ManualAction a;
  a.verb = v;
  a.user = user;
  return a;
}

// A runtime whose canaries tick every 150 ms, with a history.
struct Fixture : RuntimeFixture {
  Fixture() : RuntimeFixture(150) {
    // Rebuilt with the history (the fixture's runtime has none).
    runtime->stop(Duration(1000));
    RuntimeOptions o;
    o.timeScale = 150 / 60000.0;
    o.minInterval = Duration(1);
    o.spreadCadence = false;
    RuntimeDeps d;
    d.platform = &platform;
    d.checker = &checker;
    d.webhooks = &hooks;
    d.alerts = &alerts;
    d.clock = &clock;
    d.metrics = &metrics;
    d.history = &history;
    runtime = std::make_unique<Runtime>(d, o);
  }
  ~Fixture() { runtime->stop(Duration(10000)); }  // before `history` goes
  bool paused(const std::string& name) {
    auto c = get(name);
    return c && controller::isPaused(c->status);
  }
  MemoryHistory history;
};

TEST(RuntimeManualTest, PauseHoldsResumeGoesOnAndTheHistoryKeepsTheRollout) {
  Fixture f;
  f.platform.memoryStore().applyCanary(makeCanary("c0"));
  f.runtime->start();
  ASSERT_TRUE(f.waitPhase("c0", Phase::Initialized));
  f.release("c0", "podinfo:2");
  ASSERT_TRUE(waitFor([&] { return f.get("c0")->status.canaryWeight >= 10; })) << f.events("c0");
  ASSERT_TRUE(f.runtime->requestAction("test", "c0", act(ManualVerb::Pause)).ok());
  ASSERT_TRUE(waitFor([&] { return f.paused("c0"); })) << f.events("c0");
  const int32_t held = f.get("c0")->status.canaryWeight;
  const auto ticks = f.runtime->ticksOf("test/c0");
  ASSERT_TRUE(waitFor([&] { return f.runtime->ticksOf("test/c0") >= ticks + 4; }));
  EXPECT_EQ(f.get("c0")->status.canaryWeight, held);
  EXPECT_EQ(f.phase("c0"), Phase::Progressing);
  // Refused at once, with the reason, while nothing is written.
  auto again = f.runtime->requestAction("test", "c0", act(ManualVerb::Pause));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, "cannot pause: the canary is already paused");
  ASSERT_TRUE(f.runtime->requestAction("test", "c0", act(ManualVerb::Resume)).ok());
  ASSERT_TRUE(f.waitPhase("c0", Phase::Succeeded)) << f.events("c0");
  EXPECT_TRUE(f.hasEvent("c0", "Paused c0.test at canary weight " + std::to_string(held) + " (requested by alice)"));
  EXPECT_TRUE(f.hasEvent("c0", "Resumed c0.test (requested by alice)"));

  ASSERT_TRUE(waitFor([&] { return f.history.size("test/c0") == 1; }));
  auto records = *f.history.list("test", "c0");
  const auto& r = records[0];
  EXPECT_EQ(r.verdict, "Succeeded");
  EXPECT_EQ(r.reason, "analysis passed, promoted");
  EXPECT_FALSE(r.revision.empty());
  EXPECT_LE(r.start, r.end);
  std::vector<int32_t> weights;
  for (const auto& s : r.steps) {
    if (weights.empty() || weights.back() != s.canaryWeight) weights.push_back(s.canaryWeight);
  }
  EXPECT_EQ(weights, (std::vector<int32_t>{0, 10, 20, 30, 40, 50, 0}));
  ASSERT_FALSE(r.metrics.empty());
  EXPECT_EQ(r.metrics[0].name, "request-success-rate");
  EXPECT_EQ(r.metrics[0].value, 100);
  EXPECT_EQ(r.metrics[0].min, 99);
  EXPECT_TRUE(r.metrics[0].ok);
  // A promote on a Succeeded canary is refused with its reason.
  auto refused = f.runtime->requestAction("test", "c0", act(ManualVerb::Promote));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::Invalid);
  EXPECT_EQ(refused.error().message,
            "cannot promote: the canary is Succeeded, no analysis is running (applies to Progressing, Waiting or "
            "WaitingPromotion)");
  EXPECT_EQ(f.runtime->requestAction("test", "nope", act(ManualVerb::Promote)).error().code, ErrorCode::NotFound);
}

TEST(RuntimeManualTest, TheAnnotationIsConsumedAppliedAndRecorded) {
  Fixture f;
  f.platform.memoryStore().applyCanary(makeCanary("c1"));
  f.runtime->start();
  ASSERT_TRUE(f.waitPhase("c1", Phase::Initialized));
  f.release("c1", "podinfo:2");
  ASSERT_TRUE(f.waitPhase("c1", Phase::Progressing));
  // Paused first, so that the analysis cannot finish before the annotation is read.
  ASSERT_TRUE(f.runtime->requestAction("test", "c1", act(ManualVerb::Pause)).ok());
  ASSERT_TRUE(waitFor([&] { return f.paused("c1"); })) << f.events("c1");
  auto c = makeCanary("c1");
  c.metadata.annotations = {{controller::kActionAnnotation, "abort"}, {controller::kActionByAnnotation, "bob"}};
  f.platform.memoryStore().applyCanary(c);
  ASSERT_TRUE(f.waitPhase("c1", Phase::Failed)) << f.events("c1");
  EXPECT_TRUE(f.hasEvent("c1", "Rolling back c1.test: aborted manually (requested by bob)")) << f.events("c1");
  EXPECT_EQ(f.get("c1")->metadata.annotations.count(controller::kActionAnnotation), 0u);
  ASSERT_TRUE(waitFor([&] { return f.history.size("test/c1") == 1; }));
  auto r = (*f.history.list("test", "c1"))[0];
  EXPECT_EQ(r.verdict, "Failed");
  EXPECT_EQ(r.reason, "Rolling back c1.test: aborted manually (requested by bob)");
  // A bad annotation is consumed too, and refused by an event saying what was expected.
  c.metadata.annotations = {{controller::kActionAnnotation, "rollback"}};
  f.platform.memoryStore().applyCanary(c);
  ASSERT_TRUE(waitFor([&] { return f.get("c1")->metadata.annotations.empty(); }));
  ASSERT_TRUE(waitFor([&] {
    return f.hasEvent(
        "c1",
        "Manual action refused: metadata.annotations[aviary.dev/action]: expected one of promote, promote "
        "--skip-analysis, abort, pause, resume, retry, found \"rollback\"");
  })) << f.events("c1");
  // Retry through the annotation: the failed revision is analysed again.
  c.metadata.annotations = {{controller::kActionAnnotation, "retry"}};
  f.platform.memoryStore().applyCanary(c);
  ASSERT_TRUE(f.waitPhase("c1", Phase::Succeeded)) << f.events("c1");
  EXPECT_TRUE(f.hasEvent("c1", "Retrying the analysis of c1.test (requested by an unknown user)"));
  ASSERT_TRUE(waitFor([&] { return f.history.size("test/c1") == 2; }));
}

TEST(RuntimeManualTest, StatusApiTakesActionsWithTheAdminToken) {
  Fixture f;
  f.platform.memoryStore().applyCanary(makeCanary("c2"));
  f.runtime->start();
  ASSERT_TRUE(f.waitPhase("c2", Phase::Initialized));
  StatusServerDeps sd;
  sd.runtime = f.runtime.get();
  sd.store = &f.platform.memoryStore();
  sd.history = &f.history;
  sd.adminToken = "s3cret";
  sd.actions = true;
  auto srv = StatusServer::start("127.0.0.1", 0, sd);
  ASSERT_TRUE(srv.ok());
  auto post = [&](const std::string& body, const std::string& token) {
    http::Request req;
    req.method = "POST";
    req.url = (*srv)->url() + "/api/v1/namespaces/test/canaries/c2/actions";
    req.body = body;
    req.bearerToken = token;
    auto r = http::perform(req);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : http::Response{};
  };
  auto r = post(R"({"action":"abort","user":"eve"})", "");
  EXPECT_EQ(r.status, 401) << r.body;
  r = post(R"({"action":"abort","user":"eve"})", "wrong");
  EXPECT_EQ(r.status, 401) << r.body;
  r = post(R"({"action":"abort","user":"alice"})", "s3cret");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["message"],
            "cannot abort: the canary is Initialized, no analysis is running (applies to Progressing, Waiting or "
            "WaitingPromotion)");
  r = post(R"({"action":"explode"})", "s3cret");
  EXPECT_EQ(r.status, 400) << r.body;
  f.release("c2", "podinfo:2");
  ASSERT_TRUE(f.waitPhase("c2", Phase::Progressing));
  r = post(R"({"action":"abort","user":"alice"})", "s3cret");
  EXPECT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(f.waitPhase("c2", Phase::Failed));
  auto h = http::get((*srv)->url() + "/api/v1/namespaces/test/canaries/c2/history");
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(waitFor([&] { return f.history.size("test/c2") == 1; }));
  h = http::get((*srv)->url() + "/api/v1/namespaces/test/canaries/c2/history");
  auto items = nlohmann::json::parse(h->body)["items"];
  ASSERT_EQ(items.size(), 1u) << h->body;
  EXPECT_EQ(items[0]["verdict"], "Failed");
  // GETs need no token; without `actions` the POST is not served.
  sd.actions = false;
  auto ro = StatusServer::start("127.0.0.1", 0, sd);
  ASSERT_TRUE(ro.ok());
  http::Request req;
  req.method = "POST";
  req.url = (*ro)->url() + "/api/v1/namespaces/test/canaries/c2/actions";
  req.body = R"({"action":"retry"})";
  req.bearerToken = "s3cret";
  auto denied = http::perform(req);
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 405);
}

}  // namespace
}  // namespace aviary::runtime
