#include <gtest/gtest.h>

#include "webhooks/payload.h"
#include "webhooks/retry_policy.h"
#include "webhooks/webhook.h"

namespace aviary::webhooks {
namespace {

TEST(PayloadTest, FieldOrderAndSortedMetadata) {
  Payload p{"podinfo", "test", "Progressing", "65bb57b6b5", {{"type", "bash"}, {"cmd", "curl"}}};
  EXPECT_EQ(encodePayload(p),
            R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"65bb57b6b5",)"
            R"("metadata":{"cmd":"curl","type":"bash"}})");
  p.metadata.clear();
  EXPECT_EQ(encodePayload(p), R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"65bb57b6b5"})");
}

TEST(PayloadTest, DecodesFlaggersBody) {
  auto p = decodePayload(
      R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"x","metadata":{"cmd":"hey","type":"cmd"}})");
  ASSERT_TRUE(p.ok()) << p.error().format();
  EXPECT_EQ(p->name, "podinfo");
  EXPECT_EQ(p->namespace_, "test");
  EXPECT_EQ(p->phase, "Progressing");
  EXPECT_EQ(p->metadata.at("cmd"), "hey");
  EXPECT_TRUE(decodePayload("{}").ok());
  EXPECT_TRUE(decodePayload(R"({"metadata":null})").ok());
}

TEST(PayloadTest, ErrorsSayWhatAndWhere) {
  EXPECT_NE(decodePayload("").error().message.find("invalid JSON payload"), std::string::npos);
  EXPECT_NE(decodePayload("[1]").error().message.find("expected an object, found array"), std::string::npos);
  auto e = decodePayload(R"({"metadata":{"returnCmdOutput":true}})").error();
  EXPECT_EQ(e.path, "metadata.returnCmdOutput");
  EXPECT_NE(e.message.find("expected a string, found boolean"), std::string::npos) << e.message;
  EXPECT_EQ(decodePayload(R"({"metadata":"x"})").error().path, "metadata");
  EXPECT_EQ(decodePayload(R"({"phase":3})").error().path, "phase");
}

// What the engine's callers send is exactly what the load tester reads.
TEST(PayloadTest, DecodeReadsWhatEncodeWrites) {
  for (Payload p : {Payload{"podinfo", "test", "Progressing", "65bb57b6b5", {{"type", "bash"}, {"cmd", "curl -s \"x\""}}},
                    Payload{"a", "b", "Promoting", "", {}},
                    Payload{"\u00e9t\u00e9", "ns", "Failed", "c", {{"k\n", "v\t\"q\""}, {"", ""}}}}) {
    auto back = decodePayload(encodePayload(p));
    ASSERT_TRUE(back.ok()) << back.error().format();
    EXPECT_EQ(back->name, p.name);
    EXPECT_EQ(back->namespace_, p.namespace_);
    EXPECT_EQ(back->phase, p.phase);
    EXPECT_EQ(back->checksum, p.checksum);
    EXPECT_EQ(back->metadata, p.metadata);
  }
}

TEST(RetryPolicyTest, SuccessIsAtMost202) {
  EXPECT_TRUE(isSuccess(200));
  EXPECT_TRUE(isSuccess(201));
  EXPECT_TRUE(isSuccess(202));
  EXPECT_FALSE(isSuccess(203));
  EXPECT_FALSE(isSuccess(204));
  EXPECT_FALSE(isSuccess(302));
  EXPECT_FALSE(isSuccess(0));
}

TEST(RetryPolicyTest, RetryableStatuses) {
  for (long s : {0L, 429L, 500L, 502L, 503L, 504L, 599L}) EXPECT_TRUE(isRetryableStatus(s)) << s;
  for (long s : {200L, 400L, 403L, 404L, 501L}) EXPECT_FALSE(isRetryableStatus(s)) << s;
}

TEST(RetryPolicyTest, Backoff) {
  EXPECT_EQ(backoff(0, 0, -1), std::chrono::seconds(1));
  EXPECT_EQ(backoff(1, 500, -1), std::chrono::seconds(2));
  EXPECT_EQ(backoff(4, 500, -1), std::chrono::seconds(16));
  EXPECT_EQ(backoff(5, 500, -1), std::chrono::seconds(30));
  EXPECT_EQ(backoff(40, 500, -1), std::chrono::seconds(30));
  EXPECT_EQ(backoff(0, 429, 7), std::chrono::seconds(7));
  EXPECT_EQ(backoff(0, 503, 3), std::chrono::seconds(3));
  EXPECT_EQ(backoff(0, 500, 3), std::chrono::seconds(1));  // Retry-After only on 429/503
}

TEST(RetryPolicyTest, Timeouts) {
  EXPECT_EQ(*hookTimeout("", false), std::chrono::seconds(10));
  EXPECT_EQ(*hookTimeout("5", false), std::chrono::seconds(10));  // shorter than 2 characters
  EXPECT_EQ(*hookTimeout("1m30s", false), std::chrono::seconds(90));
  EXPECT_EQ(*hookTimeout("", true), std::chrono::seconds(10));
  auto bad = hookTimeout("5", true);  // event hooks only default the empty string
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "time: invalid duration \"5\"");
}

TEST(RetryPolicyTest, GivingUpRedactsPassword) {
  EXPECT_EQ(givingUp("http://u:secret@h/x", 3, {}), "POST http://u:xxxxx@h/x giving up after 3 attempt(s)");
  EXPECT_EQ(givingUp("http://h/x", 1, "refused"), "POST http://h/x giving up after 1 attempt(s): refused");
  EXPECT_EQ(redactUrl("http://user@h/"), "http://user@h/");
}

}  // namespace
}  // namespace aviary::webhooks
