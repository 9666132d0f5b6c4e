// `promtool query instant` (Debian's, the Prometheus 2.42 client) prints the same against the
// embedded server as against the real Prometheus holding the same samples (the differential
// test's setup). Lines are sorted (Prometheus returns instant vectors in no particular order) and
// values compared within 1e-9 relative.
#include <gtest/gtest.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "differential_fixture.h"

extern char** environ;

namespace aviary::tsdb {
namespace {

// Runs promtool with `args` (no shell) and returns its exit status and stdout+stderr.
std::pair<int, std::string> runPromtool(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>("promtool"));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return {-1, "pipe failed"};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "promtool", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return {-1, "promtool could not be started (Debian package prometheus)"};
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// promtool's lines "LABELS => VALUE @[TS]" sorted; "" when both print the same labels and times
// and values within 1e-9 relative (sums over series in another order may differ in the last bit),
// else the two outputs.
std::string differences(const std::string& ours, const std::string& theirs) {
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto a = lines(ours), b = lines(theirs);
  std::string both = "ours:\n" + ours + "prometheus:\n" + theirs;
  if (a.size() != b.size()) return both;
  for (size_t i = 0; i < a.size(); ++i) {
    auto arrowA = a[i].find(" => "), arrowB = b[i].find(" => ");
    auto atA = a[i].rfind(" @["), atB = b[i].rfind(" @[");
    if (arrowA == std::string::npos || arrowB == std::string::npos || atA == std::string::npos || atB == std::string::npos) {
      if (a[i] != b[i]) return both;
      continue;
    }
    if (a[i].substr(0, arrowA) != b[i].substr(0, arrowB) || a[i].substr(atA) != b[i].substr(atB)) return both;
    std::string va = a[i].substr(arrowA + 4, atA - arrowA - 4), vb = b[i].substr(arrowB + 4, atB - arrowB - 4);
    if (va == vb) continue;
    double x = std::stod(va), y = std::stod(vb);
    if (!(std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y)))) return both;
  }
  return "";
}

TEST_F(DifferentialTest, PromtoolQueryInstantPrintsTheSame) {
  ASSERT_NE(prom_, nullptr);
  const std::string at = promql::formatTimestamp(base_ + 250000);
  const std::vector<std::string> queries = {
      R"(sum(rate(istio_requests_total{response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total[1m])) * 100)",
      R"(histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket[1m]))))",
      R"(sum by (response_code) (increase(istio_requests_total{destination_workload="podinfo"}[2m])))",
      R"(aviary_test_gauge)",
      R"(scalar(sum(aviary_test_gauge{kind="value"})))",
  };
  for (const auto& q : queries) {
    auto ours = runPromtool({"query", "instant", "--time=" + at, ours_->url(), q});
    auto theirs = runPromtool({"query", "instant", "--time=" + at, prom_->url(), q});
    EXPECT_EQ(ours.first, 0) << ours.second;
    EXPECT_EQ(theirs.first, 0) << theirs.second;
    EXPECT_FALSE(theirs.second.empty()) << q;
    EXPECT_EQ(differences(ours.second, theirs.second), "") << q;
  }
  // A query outside the subset: promtool shows our error.
  auto bad = runPromtool({"query", "instant", "--time=" + at, ours_->url(), "topk(1, aviary_test_gauge)"});
  EXPECT_NE(bad.first, 0);
  EXPECT_NE(bad.second.find("use --metrics-server with a real Prometheus"), std::string::npos) << bad.second;
}

}  // namespace
}  // namespace aviary::tsdb
