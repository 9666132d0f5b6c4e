// `aviary simulate` through its library entry point: output formats, exit statuses, diffs.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "simulate/simulator.h"

namespace aviary::simulate {
namespace {

class SimulateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aviary-sim-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  int run(const std::string& path, OutputFormat format = OutputFormat::Text) {
    out_.str("");
    err_.str("");
    SimulateOptions opt;
    opt.format = format;
    return runScenarioFile(path, opt, out_, err_);
  }
  std::filesystem::path dir_;
  std::ostringstream out_, err_;
};

const char* kCanary = R"(
canary:
  apiVersion: flagger.app/v1beta1
  kind: Canary
  metadata: {name: app, namespace: prod}
  spec:
    targetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
    service: {port: 80}
    analysis:
      interval: 30s
      threshold: 1
      stepWeight: 50
      metrics:
        - {name: request-success-rate, thresholdRange: {min: 99}, interval: 1m}
target: {revision: {image: "app:1"}}
)";

TEST_F(SimulateTest, JsonLinesOnePerTick) {
  auto path = write("s.yaml", std::string(kCanary) + R"(
steps:
  - tick: 1
  - revision: {image: "app:2"}
  - tick: 3
)");
  ASSERT_EQ(run(path, OutputFormat::Json), kExitOk) << err_.str();
  std::istringstream lines(out_.str());
  std::vector<nlohmann::json> ticks;
  for (std::string line; std::getline(lines, line);) ticks.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(ticks.size(), 4u);
  for (const char* key : {"tick", "time", "phase", "canaryWeight", "primaryWeight", "mirror", "failedChecks",
                          "iterations", "events", "webhooks", "metrics", "alerts"}) {
    EXPECT_TRUE(ticks[0].contains(key)) << key;
  }
  EXPECT_EQ(ticks[0]["time"], 30);
  EXPECT_EQ(ticks[0]["phase"], "Initialized");
  EXPECT_EQ(ticks[0]["events"][1]["message"], "Initialization done! app.prod");
  EXPECT_EQ(ticks[0]["alerts"][0]["severity"], "info");
  EXPECT_EQ(ticks[2]["canaryWeight"], 50);
  EXPECT_EQ(ticks[3]["metrics"][0]["name"], "request-success-rate");
  EXPECT_EQ(ticks[3]["metrics"][0]["value"], 100);
  EXPECT_EQ(ticks[3]["metrics"][0]["ok"], true);
}

TEST_F(SimulateTest, FailedExpectationIsExitOneWithDiff) {
  auto path = write("s.yaml", std::string(kCanary) + R"(
steps:
  - tick: 1
  - expect: {phase: Progressing, canaryWeight: 0}
  - expectEvent: "Advance app.prod canary weight 50"
)");
  ASSERT_EQ(run(path), kExitExpectationFailed);
  const auto e = err_.str();
  EXPECT_NE(e.find("s.yaml:19: step 2 (expect): phase\n  expected: Progressing\n  found:    Initialized"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("step 3 (expectEvent): event not emitted since the previous expectEvent"), std::string::npos) << e;
  EXPECT_NE(e.find("Normal Initialization done! app.prod"), std::string::npos) << e;
  EXPECT_NE(e.find("2 expectation(s) failed"), std::string::npos) << e;
}

TEST_F(SimulateTest, InvalidScenarioReportsEveryErrorWithPosition) {
  auto path = write("bad.yaml", std::string(kCanary) + R"(
metrics: {request-success-rate: lots}
webhooks: {smoke: 9000}
steps:
  - tick: 0
  - jump: 3
  - expect: {phase: Flying, weight: 3}
)");
  ASSERT_EQ(run(path), kExitInvalidScenario);
  const auto e = err_.str();
  EXPECT_NE(e.find("bad.yaml:17:33: metrics.request-success-rate: expected a number, \"none\", \"error\""),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("webhooks.smoke: expected an HTTP status in [100, 599], found 9000"), std::string::npos) << e;
  EXPECT_NE(e.find("steps[0].tick: expected a positive number of ticks, found 0"), std::string::npos) << e;
  EXPECT_NE(e.find("steps[1].jump: unknown step \"jump\""), std::string::npos) << e;
  EXPECT_NE(e.find("steps[2].expect.phase: unknown phase \"Flying\""), std::string::npos) << e;
  EXPECT_NE(e.find("steps[2].expect.weight: unknown field \"weight\""), std::string::npos) << e;
  EXPECT_NE(e.find("invalid scenario (6 error(s))"), std::string::npos) << e;
}

// Scenario files go through the shared YAML reader (yaml/file.h): syntax errors and wrong types read
// `FILE:LINE:COL: field.path: expected..., found...` like every other file Aviary reads.
TEST_F(SimulateTest, ScenarioErrorsReadLikeEveryOtherFile) {
  auto syntax = write("syntax.yaml", "steps:\n  - tick: [1\n");
  ASSERT_EQ(run(syntax), kExitInvalidScenario);
  EXPECT_NE(err_.str().find("syntax.yaml:3:1: invalid YAML: did not find expected ',' or ']'"), std::string::npos)
      << err_.str();
  auto typed = write("typed.yaml", std::string(kCanary) + R"(
steps:
  - ready: {primary: maybe}
  - expect: {canaryWeight: [1]}
)");
  ASSERT_EQ(run(typed), kExitInvalidScenario);
  const auto e = err_.str();
  EXPECT_NE(e.find("typed.yaml:18:22: steps[0].ready.primary: expected true or false, found string \"maybe\""),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("typed.yaml:19:28: steps[1].expect.canaryWeight: expected an integer, found a list"),
            std::string::npos)
      << e;
}

TEST_F(SimulateTest, InvalidCanaryUsesApiErrors) {
  auto path = write("bad.yaml", R"(
canary:
  apiVersion: flagger.app/v1beta1
  kind: Canary
  metadata: {name: app}
  spec:
    targetRef: {apiVersion: apps/v1, kind: Deployment, name: app}
    service: {port: 80}
    analysis: {interval: 30s, threshold: 1, stepWeight: -5}
steps: [{tick: 1}]
)");
  ASSERT_EQ(run(path), kExitInvalidScenario);
  EXPECT_NE(err_.str().find("stepWeight"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("bad.yaml:"), std::string::npos) << err_.str();
}

TEST_F(SimulateTest, MissingCanaryFile) {
  auto path = write("s.yaml", "canary: nope.yaml\nsteps: [{tick: 1}]\n");
  ASSERT_EQ(run(path), kExitInvalidScenario);
  EXPECT_NE(err_.str().find("s.yaml:1:9: canary:"), std::string::npos) << err_.str();
}

TEST_F(SimulateTest, RunsFastWithoutSleeping) {
  auto path = write("s.yaml", std::string(kCanary) + R"(
steps:
  - tick: 1
  - revision: {image: "app:2"}
  - tick: 200
)");
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(run(path), kExitOk);
  // 200 ticks of 30 s virtual time each: a real sleep would take 100 minutes.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(out_.str().find("1h40m30s"), std::string::npos);
}

}  // namespace
}  // namespace aviary::simulate
