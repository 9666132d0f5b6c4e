// Scenarios on Kubernetes objects through the entry point of `aviary simulate`: the dumps of the
// seed scenario against goldens (the objects the platform and the Istio router wrote, in the
// in-process sandbox API server), the same output at every run, and bad scenarios reported with
// file:line:col and field path, all at once.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "simulate/kube_backend.h"
#include "simulate/simulator.h"

namespace aviary::simulate {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Outcome {
  int rc = -1;
  std::string out, err;
};

Outcome run(const std::string& path, OutputFormat format = OutputFormat::Text) {
  SimulateOptions opt;
  opt.kube = makeKubeBackend;
  opt.format = format;
  std::ostringstream out, err;
  Outcome o;
  o.rc = runScenarioFile(path, opt, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

// AVIARY_UPDATE_GOLDENS=1 rewrites the goldens instead of comparing (then review the diff).
void compareGolden(const std::string& actual, const std::string& name) {
  const std::string path = std::string(AVIARY_TESTDATA) + "/" + name;
  if (std::getenv("AVIARY_UPDATE_GOLDENS")) {
    std::ofstream(path) << actual;
    GTEST_SKIP() << "golden rewritten: " << path;
  }
  EXPECT_EQ(actual, readFile(path)) << "golden " << path;
}

TEST(KubeScenarioTest, SeedDumpsMatchTheGolden) {
  auto o = run(std::string(AVIARY_SCENARIOS) + "/seed-dump.yaml");
  ASSERT_EQ(o.rc, 0) << o.err << o.out;
  // The whole text output: every tick's line, events, checks and webhooks, and the dumps.
  compareGolden(o.out, "seed-dump.golden.txt");
}

TEST(KubeScenarioTest, SameOutputAtEveryRun) {
  const std::string path = std::string(AVIARY_SCENARIOS) + "/seed-dump.yaml";
  auto a = run(path, OutputFormat::Json), b = run(path, OutputFormat::Json);
  ASSERT_EQ(a.rc, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("{\"dump\":\"VirtualService/podinfo\""), std::string::npos) << a.out;
}

TEST(KubeScenarioTest, FailedRouteExpectationIsReportedWithTheStepLine) {
  auto o = run(std::string(AVIARY_TESTDATA) + "/wrong-routes.yaml");
  EXPECT_EQ(o.rc, kExitExpectationFailed) << o.err;
  EXPECT_NE(o.err.find("wrong-routes.yaml:10: step 2 (expect): routes.canary\n  expected: 10\n  found:    0"),
            std::string::npos)
      << o.err;
}

TEST(KubeScenarioTest, BadScenarioReportsEveryProblem) {
  const std::string path = std::string(AVIARY_TESTDATA) + "/bad.yaml";
  auto o = run(path);
  EXPECT_EQ(o.rc, kExitInvalidScenario);
  EXPECT_NE(o.err.find("invalid scenario (7 error(s))"), std::string::npos) << o.err;
  for (const std::string line : {
           path + ":4:5: objects[1].kind: expected a non-empty string, found nothing",
           path + ":8:9: target: give either `target:` (the in-memory target) or `objects:`, not both",
           path + ":11:5: steps[1].revision: a scenario on Kubernetes objects changes its target with `apply:`",
           path + ":12:22: steps[2].ready.podinfo: expected true or false, found string \"maybe\"",
           path +
               ":13:12: steps[3].dump[0]: expected \"Kind/name\" (e.g. Deployment/podinfo-primary), found \"podinfo\"",
           path + ":14:31: steps[4].expect.routes.canary: expected a percentage in [0, 100], found 110",
           path + ":15:12: steps[5].apply: cannot read " + std::string(AVIARY_TESTDATA) + "/no-such-file.yaml",
       }) {
    EXPECT_NE(o.err.find(line), std::string::npos) << "missing: " << line << "\n" << o.err;
  }
}

TEST(KubeScenarioTest, UnservedKindStopsTheRunWithItsPosition) {
  const std::string path = std::string(AVIARY_TESTDATA) + "/unserved-kind.yaml";
  auto o = run(path);
  EXPECT_EQ(o.rc, kExitExpectationFailed);
  EXPECT_NE(o.err.find(path + ":5:5: example.com/v1 Widget: the sandbox API server serves no example.com/v1 Widget"),
            std::string::npos)
      << o.err;
}

TEST(KubeScenarioTest, ApplyAndDumpNeedObjects) {
  const std::string path = std::string(AVIARY_TESTDATA) + "/dump-without-objects.yaml";
  auto o = run(path);
  EXPECT_EQ(o.rc, kExitInvalidScenario);
  EXPECT_NE(o.err.find("\"dump\" needs a scenario on Kubernetes objects"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace aviary::simulate
