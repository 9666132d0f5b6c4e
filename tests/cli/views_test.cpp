// The operator commands' pure renderers against golden text: `aviary history` (history_view.h)
// and the Kubernetes Events → status API shape `aviary status` renders (kube_status.h).
#include <gtest/gtest.h>

#include "cli/history_view.h"
#include "cli/kube_status.h"
#include "controller/history.h"

namespace aviary::cli {
namespace {

using nlohmann::json;

controller::RolloutRecord failedRecord() {
  controller::RolloutRecord r;
  r.revision = "5d8f7c9b";
  r.start = "2026-12-06T10:00:00Z";
  r.end = "2026-12-06T10:03:00Z";
  r.verdict = "Failed";
  r.reason =
      "Rolling back podinfo.test failed checks threshold reached 2 (last: Halt podinfo.test advancement "
      "success rate 52.17% < 99%)";
  r.steps = {{"2026-12-06T10:00:00Z", "Progressing", 0, 0, 0},
             {"2026-12-06T10:01:00Z", "Progressing", 10, 0, 0},
             {"2026-12-06T10:02:00Z", "Progressing", 10, 0, 1},
             {"2026-12-06T10:03:00Z", "Failed", 0, 0, 0}};
  r.metrics = {
      {"2026-12-06T10:01:00Z", "request-success-rate", 100.0, "", 99.0, std::nullopt, true},
      {"2026-12-06T10:02:00Z", "request-success-rate", 52.17, "", 99.0, std::nullopt, false},
      {"2026-12-06T10:03:00Z", "request-duration", std::nullopt, "no values found", std::nullopt, 500.0, false}};
  r.webhooks = {{"2026-12-06T10:00:00Z", "acceptance-test", "pre-rollout", "Progressing", true, ""},
                {"2026-12-06T10:01:00Z", "load-test", "rollout", "Progressing", false, "connection refused"}};
  r.events = {{"2026-12-06T10:03:00Z", "Warning", "Canary failed! Scaling down podinfo.test"}};
  return r;
}

TEST(HistoryViewTest, Golden) {
  controller::RolloutRecord ok;
  ok.revision = "77aa01";
  ok.start = "2026-12-06T11:00:00Z";
  ok.end = "2026-12-06T11:01:00Z";
  ok.verdict = "Succeeded";
  ok.reason = "Manual promotion of podinfo.test (requested by alice)";
  ok.steps = {{"2026-12-06T11:00:00Z", "Progressing", 0, 0, 0}, {"2026-12-06T11:01:00Z", "Succeeded", 0, 0, 0}};
  // Through JSON, as the commands get them.
  json h{{"items", json::array({controller::toJson(failedRecord()), controller::toJson(ok)})}};
  const std::string expected = R"(Rollout history of podinfo.test: 2 finished, newest first

#2  Succeeded  revision 77aa01
  Started:  2026-12-06T11:00:00Z
  Ended:    2026-12-06T11:01:00Z
  Reason:   Manual promotion of podinfo.test (requested by alice)
  Steps:
    TIME                   PHASE         WEIGHT   ITERATIONS   FAILED CHECKS
    2026-12-06T11:00:00Z   Progressing   0        0            0
    2026-12-06T11:01:00Z   Succeeded     0        0            0

#1  Failed  revision 5d8f7c9b
  Started:  2026-12-06T10:00:00Z
  Ended:    2026-12-06T10:03:00Z
  Reason:   Rolling back podinfo.test failed checks threshold reached 2 (last: Halt podinfo.test advancement success rate 52.17% < 99%)
  Steps:
    TIME                   PHASE         WEIGHT   ITERATIONS   FAILED CHECKS
    2026-12-06T10:00:00Z   Progressing   0        0            0
    2026-12-06T10:01:00Z   Progressing   10       0            0
    2026-12-06T10:02:00Z   Progressing   10       0            1
    2026-12-06T10:03:00Z   Failed        0        0            0
  Metrics:
    TIME                   METRIC                 VALUE             THRESHOLD   RESULT
    2026-12-06T10:01:00Z   request-success-rate   100               >= 99       ok
    2026-12-06T10:02:00Z   request-success-rate   52.17             >= 99       FAILED
    2026-12-06T10:03:00Z   request-duration       no values found   <= 500      FAILED
  Webhooks:
    TIME                   WEBHOOK           TYPE          RESULT
    2026-12-06T10:00:00Z   acceptance-test   pre-rollout   ok
    2026-12-06T10:01:00Z   load-test         rollout       failed: connection refused
)";
  EXPECT_EQ(renderHistory(h, "podinfo", "test"), expected);
  EXPECT_EQ(renderHistory(json{{"items", json::array()}}, "podinfo", "test"),
            "No finished rollouts of podinfo.test yet.\n");
}

TEST(HistoryViewTest, RecordsRoundTripThroughJson) {
  const auto r = failedRecord();
  EXPECT_EQ(controller::toJson(controller::recordFromJson(controller::toJson(r))), controller::toJson(r));
  EXPECT_TRUE(controller::recordFromJson(json("not an object")).verdict.empty());
}

TEST(KubeStatusTest, EventsBecomeTheStatusApiShapeInTimeOrder) {
  json list = json::parse(R"({"items":[
    {"type":"Warning","reason":"Synced","message":"b","lastTimestamp":"2026-12-06T10:00:02Z","firstTimestamp":"2026-12-06T10:00:00Z"},
    {"type":"Normal","reason":"Synced","message":"a","lastTimestamp":"2026-12-06T10:00:01Z"},
    {"type":"Normal","reason":"Synced","message":"c","eventTime":"2026-12-06T10:00:03.000000Z"}]})");
  EXPECT_EQ(eventsFromKube(list), json::parse(R"({"items":[
    {"type":"Normal","reason":"Synced","message":"a","time":"2026-12-06T10:00:01Z"},
    {"type":"Warning","reason":"Synced","message":"b","time":"2026-12-06T10:00:02Z"},
    {"type":"Normal","reason":"Synced","message":"c","time":"2026-12-06T10:00:03.000000Z"}]})"));
  json canary = json::parse(R"({"spec":{"analysis":{"metrics":[
    {"name":"request-success-rate","thresholdRange":{"min":99},"interval":"1m"},{"name":"legacy","threshold":5}]}}})");
  EXPECT_EQ(analysisFromSpec(canary), json::parse(R"({"metrics":[
    {"name":"request-success-rate","thresholdRange":{"min":99}},{"name":"legacy","threshold":5}]})"));
}

}  // namespace
}  // namespace aviary::cli
