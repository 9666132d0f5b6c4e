// The controller's metrics exposition after a promotion (c0) and a rollback (c1): Flagger's names,
// labels and values checked against a golden text, and the same exposition scraped by a real
// Prometheus (the Debian binary) whose answers must equal the values we serve.
//
// The golden keeps every `flagger_*` line but the analysis-duration histogram's buckets and sum
// (timings); its count, HELP and TYPE are kept. To see the current text on a mismatch, read the
// failure message (it prints the whole actual text).
#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/http_server.h"
#include "runtime_fixture.h"
#include "support/prometheus_server.h"

namespace aviary::runtime {
namespace {

using api::Phase;

std::string goldenPath() { return std::string(AVIARY_TEST_SOURCE_DIR) + "/golden/controller_metrics.txt"; }

// The flagger_* lines of an exposition, minus what depends on timing; the samples of a family are
// sorted (prometheus-cpp lists them in hash order).
std::string flaggerLines(const std::string& exposition) {
  std::istringstream in(exposition);
  std::string line, out;
  std::vector<std::string> samples;
  auto flush = [&] {
    std::sort(samples.begin(), samples.end());
    for (const auto& s : samples) out += s + "\n";
    samples.clear();
  };
  while (std::getline(in, line)) {
    const bool sample = line.rfind("flagger_", 0) == 0;
    const bool meta = line.rfind("# HELP flagger_", 0) == 0 || line.rfind("# TYPE flagger_", 0) == 0;
    if (!sample && !meta) continue;
    if (line.rfind("flagger_canary_duration_seconds_bucket", 0) == 0 ||
        line.rfind("flagger_canary_duration_seconds_sum", 0) == 0)
      continue;
    if (line.rfind("flagger_canary_duration_seconds_count", 0) == 0) {
      // The number of observations depends on how many ticks ran: keep the series, not the value.
      line = line.substr(0, line.rfind(' ')) + " <count>";
    }
    if (meta) {
      flush();
      out += line + "\n";
    } else {
      samples.push_back(line);
    }
  }
  flush();
  return out;
}

TEST(ExpositionTest, MatchesTheGoldenAndRealPrometheusReadsTheSameValues) {
  RuntimeFixture f;
  auto server = http::HttpServer::start("127.0.0.1", 0, [&](const http::ServerRequest&) {
    return http::ServerResponse::text(200, f.metrics.serialize());
  });
  ASSERT_TRUE(server.ok()) << server.error().format();
  auto prom = testsupport::PrometheusServer::start({.targets = {(*server)->url()}});
  ASSERT_TRUE(prom.ok()) << prom.error().format();

  f.platform.memoryStore().applyCanary(makeCanary("c0"));
  f.platform.memoryStore().applyCanary(makeCanary("c1"));
  f.runtime->start();
  ASSERT_TRUE(f.waitPhase("c0", Phase::Initialized));
  ASSERT_TRUE(f.waitPhase("c1", Phase::Initialized));
  f.release("c0", "podinfo:2");
  ASSERT_TRUE(f.waitPhase("c0", Phase::Succeeded)) << f.events("c0");
  f.checker.value = 97.5;
  f.release("c1", "podinfo:2");
  ASSERT_TRUE(f.waitPhase("c1", Phase::Failed)) << f.events("c1");
  // flagger_canary_total is refreshed by the control loop (every 50 ms here).
  ASSERT_TRUE(waitFor([&] { return f.metrics.serialize().find("flagger_canary_total{namespace=\"test\"} 2") != std::string::npos; }));

  const std::string actual = flaggerLines(f.metrics.serialize());
  std::ifstream in(goldenPath());
  ASSERT_TRUE(in) << "missing " << goldenPath() << "; the actual text is:\n" << actual;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(golden.str(), actual) << "the actual text is:\n" << actual;

  // Prometheus reads every sample line back with the value we serve.
  ASSERT_TRUE((*prom)->waitFor("flagger_canary_status{name=\"c1\"} == 2", std::chrono::seconds(20)).ok())
      << (*prom)->logTail();
  std::istringstream lines(actual);
  std::string line;
  int compared = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.find("<count>") != std::string::npos) continue;
    const auto space = line.rfind(' ');
    const std::string series = line.substr(0, space);
    const double served = std::stod(line.substr(space + 1));
    // The scraped series also carry job and instance; the selector matches on ours.
    auto got = testsupport::queryValue((*prom)->url(), series);
    ASSERT_TRUE(got.ok()) << series << ": " << got.error().format();
    EXPECT_DOUBLE_EQ(*got, served) << series;
    ++compared;
  }
  EXPECT_EQ(compared, 12);  // every sample line of the golden
}

}  // namespace
}  // namespace aviary::runtime
