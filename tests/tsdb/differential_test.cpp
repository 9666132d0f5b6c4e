// Differential test: the embedded metrics server and the real Prometheus (Debian 2.42, started by
// the test) scrape one exporter in lock-step (step_exporter.h: explicit timestamps, so both store
// exactly the same samples; Prometheus honours exposition timestamps by default and, like us,
// writes no staleness markers for such series). Every corpus query (query_corpus.h: Flagger's
// builtin queries for every Prometheus-based provider, the seed's 404 template, docs-style
// templates, edge cases) is evaluated at several instants on both; results must have the same
// type, the same label sets and values within 1e-9 relative (NaN = NaN). Queries outside the
// subset must fail on our side with the documented error. Fails, never skips, without Prometheus.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "promql/parser.h"
#include "differential_fixture.h"
#include "query_corpus.h"

namespace aviary::tsdb {
namespace {

Result<nlohmann::json> queryAt(const std::string& base, const std::string& q, Millis t) {
  auto resp = http::get(fmt::format("{}/api/v1/query?query={}&time={}", base, http::urlEncode(q),
                                    promql::formatTimestamp(t)));
  if (!resp.ok()) return resp.error();
  try {
    return nlohmann::json::parse(resp->body);
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Invalid, std::string("not JSON: ") + e.what() + ": " + resp->body);
  }
}

bool sameValue(const std::string& a, const std::string& b) {
  if (a == b) return true;
  double x = std::stod(a), y = std::stod(b);
  if (std::isnan(x) || std::isnan(y) || std::isinf(x) || std::isinf(y)) return false;
  return std::fabs(x - y) <= 1e-9 * std::max(std::fabs(x), std::fabs(y));
}

// "" when equal, else what differs.
std::string compare(const nlohmann::json& ours, const nlohmann::json& theirs) {
  if (ours["status"] != theirs["status"]) {
    return fmt::format("status {} vs Prometheus {} ({})", ours.dump(), theirs.dump(), "");
  }
  if (ours["status"] == "error") {
    return ours["errorType"] == theirs["errorType"] ? "" : fmt::format("errorType {} vs {}", ours.dump(), theirs.dump());
  }
  const auto& a = ours["data"];
  const auto& b = theirs["data"];
  if (a["resultType"] != b["resultType"]) return fmt::format("resultType {} vs {}", a.dump(), b.dump());
  if (a["resultType"] == "scalar") {
    return sameValue(a["result"][1], b["result"][1]) ? "" : fmt::format("scalar {} vs {}", a.dump(), b.dump());
  }
  std::map<std::string, std::string> x, y;
  for (const auto& s : a["result"]) x[s["metric"].dump()] = s["value"][1];
  for (const auto& s : b["result"]) y[s["metric"].dump()] = s["value"][1];
  if (x.size() != y.size()) return fmt::format("{} series vs {}: {} vs {}", x.size(), y.size(), a.dump(), b.dump());
  for (const auto& [labels, v] : x) {
    auto it = y.find(labels);
    if (it == y.end()) return fmt::format("series {} not in Prometheus's answer {}", labels, b.dump());
    if (!sameValue(v, it->second)) return fmt::format("{}: {} vs Prometheus {}", labels, v, it->second);
  }
  return "";
}

TEST_F(DifferentialTest, CorpusAgreesWithPrometheus) {
  ASSERT_NE(prom_, nullptr);
  ASSERT_NE(ours_, nullptr);
  const Millis last = base_ + (kSteps - 1) * kSpacing;
  // On a sample, between samples, at the last sample, after it, at the lookback's edge and past it.
  const std::vector<Millis> times = {base_ + 60000, base_ + 97500,  base_ + 180000,  base_ + 250123,
                                     base_ + 270000, last,           last + 30000,    last + 300000,
                                     last + 300001};
  ASSERT_GE(testing::differentialCorpus().size(), 40u);
  size_t compared = 0, nonEmpty = 0;
  std::vector<std::string> failures;
  for (const auto& q : testing::differentialCorpus()) {
    for (Millis t : times) {
      auto a = queryAt(ours_->url(), q.query, t);
      auto b = queryAt(prom_->url(), q.query, t);
      ASSERT_TRUE(a.ok()) << a.error().format();
      ASSERT_TRUE(b.ok()) << b.error().format();
      std::string diff = compare(*a, *b);
      if (!diff.empty()) failures.push_back(fmt::format("{} @ {}: {}", q.name, promql::formatTimestamp(t), diff));
      ++compared;
      if ((*b)["status"] == "success" && !(*b)["data"]["result"].empty()) ++nonEmpty;
    }
  }
  for (const auto& f : failures) ADD_FAILURE() << f;
  // The comparison can fail: the same rate query 15 s apart must differ.
  const std::string probe = R"(sum(rate(istio_requests_total{response_code="200"}[1m])))";
  EXPECT_NE(compare(*queryAt(ours_->url(), probe, base_ + 180000), *queryAt(prom_->url(), probe, base_ + 195000)), "");
  // The comparison means something only if most answers are not empty.
  EXPECT_GT(nonEmpty, compared * 3 / 4) << nonEmpty << " of " << compared;
  std::printf("compared %zu query/time pairs (%zu non-empty), %zu differ\n", compared, nonEmpty, failures.size());
}

TEST_F(DifferentialTest, QueriesOutsideTheSubsetGiveTheDocumentedError) {
  ASSERT_NE(prom_, nullptr);
  const Millis t = base_ + 300000;
  for (const auto& q : testing::unsupportedCorpus()) {
    auto theirs = queryAt(prom_->url(), q.query, t);
    ASSERT_TRUE(theirs.ok());
    EXPECT_EQ((*theirs)["status"], "success") << q.query << ": " << theirs->dump();
    auto ours = queryAt(ours_->url(), q.query, t);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ((*ours)["status"], "error") << ours->dump();
    EXPECT_EQ((*ours)["errorType"], "bad_data");
    std::string msg = (*ours)["error"];
    EXPECT_NE(msg.find(q.name), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(promql::kUnsupportedHint)), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace aviary::tsdb
