#include "common/duration.h"

#include <gtest/gtest.h>

namespace aviary {
namespace {

TEST(DurationTest, ParsesGoSyntax) {
  EXPECT_EQ(parseDuration("1m").value().count(), 60000);
  EXPECT_EQ(parseDuration("30s").value().count(), 30000);
  EXPECT_EQ(parseDuration("1m30s").value().count(), 90000);
  EXPECT_EQ(parseDuration("500ms").value().count(), 500);
  EXPECT_EQ(parseDuration("1.5h").value().count(), 5400000);
  EXPECT_EQ(parseDuration("0").value().count(), 0);
  EXPECT_EQ(parseDuration("-2s").value().count(), -2000);
}

TEST(DurationTest, RejectsBadInput) {
  EXPECT_FALSE(parseDuration("").ok());
  EXPECT_FALSE(parseDuration("10").ok());
  EXPECT_FALSE(parseDuration("1x").ok());
  EXPECT_EQ(parseDuration("1x").error().message, "invalid duration \"1x\": unknown unit \"x\"");
  EXPECT_FALSE(parseDuration("s").ok());
}

TEST(DurationTest, FormatsLikeGo) {
  using std::chrono::milliseconds;
  EXPECT_EQ(formatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(formatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(formatDuration(milliseconds(1515)), "1.515s");
  EXPECT_EQ(formatDuration(milliseconds(2000)), "2s");
  EXPECT_EQ(formatDuration(milliseconds(60000)), "1m0s");
  EXPECT_EQ(formatDuration(milliseconds(90500)), "1m30.5s");
  EXPECT_EQ(formatDuration(milliseconds(3600000)), "1h0m0s");
  EXPECT_EQ(formatDuration(milliseconds(-1500)), "-1.5s");
}

}  // namespace
}  // namespace aviary
