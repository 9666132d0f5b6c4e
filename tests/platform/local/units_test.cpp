// Deterministic units of the local platform: the roll policy, the state file's round trip, and
// the Workload -> ProcessSpec mapping. No processes.
#include <gtest/gtest.h>

#include "api/decode.h"
#include "platform/local/supervisor_state.h"
#include "platform/local/workload_spec.h"

namespace aviary::platform::local::detail {
namespace {

// A set at revision "new" with the replicas described by `spec`: one letter per replica,
// O/o = old revision ready/not ready, N/n = new revision ready/not ready.
Set makeSet(int desired, std::string_view spec) {
  Set s;
  ProcessSpec p;
  p.revision = "new";
  s.spec = std::make_shared<const ProcessSpec>(p);
  s.desired = desired;
  for (char c : spec) {
    Replica r;
    r.revision = (c == 'O' || c == 'o') ? "old" : "new";
    r.ready = c == 'O' || c == 'N';
    r.pid = 1;
    s.replicas.push_back(std::move(r));
  }
  return s;
}

TEST(PlanRoll, ScalesWithoutARoll) {
  EXPECT_EQ(planRoll(makeSet(3, "")).start, 3);
  EXPECT_EQ(planRoll(makeSet(3, "N")).start, 2);
  auto down = planRoll(makeSet(1, "NnN"));
  EXPECT_EQ(down.start, 0);
  EXPECT_EQ(down.stop, (std::vector<size_t>{1, 2})) << "not ready first, then newest";
  EXPECT_EQ(planRoll(makeSet(0, "NN")).stop.size(), 2u);
}

TEST(PlanRoll, RollsOneAtATimeKeepingDesiredReady) {
  // Start of a roll: one surge replica, nothing stopped.
  auto p = planRoll(makeSet(2, "OO"));
  EXPECT_EQ(p.start, 1);
  EXPECT_TRUE(p.stop.empty());
  // The new one is not ready yet: wait.
  p = planRoll(makeSet(2, "OOn"));
  EXPECT_EQ(p.start, 0);
  EXPECT_TRUE(p.stop.empty());
  // Ready: stop one old, start none until it is gone (surge 1).
  p = planRoll(makeSet(2, "OON"));
  EXPECT_EQ(p.start, 0);
  EXPECT_EQ(p.stop, (std::vector<size_t>{1}));
  // One old left: surge again.
  p = planRoll(makeSet(2, "ON"));
  EXPECT_EQ(p.start, 1);
  EXPECT_TRUE(p.stop.empty());
  p = planRoll(makeSet(2, "ONN"));
  EXPECT_EQ(p.stop, (std::vector<size_t>{0}));
}

TEST(PlanRoll, UnhealthyOldReplicasGoFirstWithoutCostingAvailability) {
  // Old replicas crash-looping: the roll still progresses one by one.
  auto p = planRoll(makeSet(2, "oo"));
  EXPECT_EQ(p.start, 1);
  EXPECT_TRUE(p.stop.empty());
  p = planRoll(makeSet(2, "ooN"));
  EXPECT_EQ(p.stop.size(), 1u);
  EXPECT_FALSE(p.stop.empty() ? true : makeSet(2, "ooN").replicas[p.stop[0]].ready);
  // A mixed set: the not-ready old one is stopped before a ready one.
  p = planRoll(makeSet(2, "OoN"));
  EXPECT_EQ(p.stop, (std::vector<size_t>{1}));
}

TEST(PlanRoll, TerminatingAndRemovedSets) {
  Set s = makeSet(2, "NN");
  s.replicas[0].terminating = true;
  EXPECT_EQ(planRoll(s).start, 1) << "a terminating replica does not count";
  s = makeSet(2, "NN");
  s.removing = true;
  EXPECT_EQ(planRoll(s).stop.size(), 2u);
}

TEST(StateFile, RoundTrips) {
  ProcessSpec p;
  p.executable = "aviary";
  p.args = {"podinfo", "--port", "$(PORT)"};
  p.env = {{"A", "1"}, {"B", "$(A)"}};
  p.workingDir = "/tmp";
  p.version = "3.1.0";
  p.readiness = ProbeSpec{"/readyz", std::chrono::milliseconds(100), std::chrono::seconds(2),
                          std::chrono::seconds(1), 4, 2};
  p.grace = std::chrono::seconds(7);
  p.revision = "abc";
  Set set;
  set.spec = std::make_shared<const ProcessSpec>(p);
  set.desired = 2;
  set.nextId = 5;
  set.restarts = 3;
  set.observedRevision = "abc";
  Replica r;
  r.id = "x-4";
  r.revision = "abc";
  r.spec = set.spec;
  r.pid = 1234;
  r.startTime = 987654321;
  r.port = 40000;
  r.ready = true;
  r.restarts = 2;
  r.logPath = "/tmp/x-4.log";
  set.replicas.push_back(std::move(r));
  std::map<std::string, Set> sets;
  sets.emplace("test/x", std::move(set));
  auto json = encodeState(sets);
  auto back = decodeState(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(encodeState(back.value()), json);
  const Set& b = back.value().at("test/x");
  EXPECT_EQ(b.replicas.at(0).spec.get(), b.spec.get()) << "replicas share the set's spec";
  EXPECT_EQ(b.spec->readiness->failureThreshold, 4);
  EXPECT_FALSE(decodeState(nlohmann::json{{"version", 2}, {"sets", nlohmann::json::object()}}).ok());
}

TEST(WorkloadSpec, ResolvesPathsAgainstTheManifestAndKeepsVariables) {
  auto loaded = api::loadString(R"yaml(apiVersion: aviary.dev/v1alpha1
kind: Workload
metadata: {name: web, namespace: test}
spec:
  version: "1.2.3"
  command: ./bin/server
  args: [--port, $(PORT)]
  env: [{name: A, value: "$(VERSION)"}]
  workingDir: data
  port: 8080
  readinessProbe: {httpGet: {path: /ready}, periodSeconds: 2}
  terminationGracePeriodSeconds: 3
)yaml", "/srv/app/web.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.errors[0].format();
  ASSERT_EQ(loaded.workloads.size(), 1u);
  ProcessSpec p = local::processSpecFor(loaded.workloads[0]);
  EXPECT_EQ(p.executable, "/srv/app/bin/server");
  EXPECT_EQ(p.workingDir, "/srv/app/data");
  EXPECT_EQ(p.args, (std::vector<std::string>{"--port", "$(PORT)"}));
  EXPECT_EQ(p.env.at(0).value, "$(VERSION)");
  EXPECT_EQ(p.version, "1.2.3");
  EXPECT_EQ(p.readiness->path, "/ready");
  EXPECT_EQ(p.readiness->period, std::chrono::seconds(2));
  EXPECT_EQ(p.grace, std::chrono::seconds(3));
  EXPECT_EQ(p.revision, api::workloadRevision(loaded.workloads[0]));
  api::Workload self = loaded.workloads[0];
  self.spec.command = "aviary";
  EXPECT_EQ(local::processSpecFor(self).executable, "aviary");
  self.spec.command = "python3";
  EXPECT_EQ(local::processSpecFor(self).executable, "python3");
}

}  // namespace
}  // namespace aviary::platform::local::detail
