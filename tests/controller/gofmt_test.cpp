#include "controller/gofmt.h"

#include <gtest/gtest.h>

#include "controller/spec_hash.h"

namespace aviary::controller {
namespace {

TEST(GoFloatTest, MatchesGoPercentV) {
  EXPECT_EQ(goFloat(99), "99");
  EXPECT_EQ(goFloat(99.5), "99.5");
  EXPECT_EQ(goFloat(500), "500");
  EXPECT_EQ(goFloat(0), "0");
  EXPECT_EQ(goFloat(0.1), "0.1");
  EXPECT_EQ(goFloat(0.0001), "0.0001");
  EXPECT_EQ(goFloat(0.00001), "1e-05");
  EXPECT_EQ(goFloat(0.000015), "1.5e-05");
  EXPECT_EQ(goFloat(123456), "123456");
  EXPECT_EQ(goFloat(999999), "999999");
  EXPECT_EQ(goFloat(1000000), "1e+06");
  EXPECT_EQ(goFloat(1234567), "1.234567e+06");
  EXPECT_EQ(goFloat(-2.5), "-2.5");
  EXPECT_EQ(goFloat(1e21), "1e+21");
  EXPECT_EQ(goFloat(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(goFloat(100.25), "100.25");
}

TEST(GoFixed2Test, TwoDecimals) {
  EXPECT_EQ(goFixed2(97.5), "97.50");
  EXPECT_EQ(goFixed2(99.999), "100.00");
  EXPECT_EQ(goFixed2(0), "0.00");
}

TEST(Rfc3339Test, Utc) {
  EXPECT_EQ(rfc3339(Clock::TimePoint(std::chrono::seconds(1767225600))), "2026-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(Clock::TimePoint(std::chrono::seconds(1767225661))), "2026-01-01T00:01:01Z");
}

TEST(SpecHashTest, StableAndOverFlaggerAlphabet) {
  const auto a = hashJson({{"image", "podinfo:3.1.0"}});
  EXPECT_EQ(a, hashJson({{"image", "podinfo:3.1.0"}}));
  EXPECT_NE(a, hashJson({{"image", "podinfo:3.1.1"}}));
  for (char c : a) EXPECT_NE(std::string("456789bcdf").find(c), std::string::npos) << a;
  // Key order does not matter (canonical JSON).
  EXPECT_EQ(hashJson(nlohmann::json::parse(R"({"a":1,"b":2})")), hashJson(nlohmann::json::parse(R"({"b":2,"a":1})")));
  // FNV-1a of "" is 2166136261 -> digits mapped 0..9 -> 4..f.
  EXPECT_EQ(hashBytes(""), "65bb57b6b5");
  EXPECT_NE(payloadChecksum({}, "x"), payloadChecksum({{"configmap/a", "1"}}, "x"));
}

}  // namespace
}  // namespace aviary::controller
