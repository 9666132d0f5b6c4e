#include "common/quote.h"

#include <gtest/gtest.h>

namespace aviary {
namespace {

TEST(QuoteTest, QuotesLikeGo) {
  EXPECT_EQ(quote("abc"), "\"abc\"");
  EXPECT_EQ(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote("l1\nl2\t\r"), "\"l1\\nl2\\t\\r\"");
  EXPECT_EQ(quote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(quote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");  // valid UTF-8 passes through
}

TEST(QuoteTest, InvalidUtf8BecomesHexEscapes) {
  EXPECT_EQ(quote("\xD4\xD4"), "\"\\xd4\\xd4\"");
  EXPECT_EQ(quote("\xC0\x80"), "\"\\xc0\\x80\"");  // overlong
  EXPECT_EQ(quote("\xE2\x82"), "\"\\xe2\\x82\"");  // truncated
}

}  // namespace
}  // namespace aviary
