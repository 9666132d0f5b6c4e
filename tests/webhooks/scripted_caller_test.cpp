#include "webhooks/scripted_caller.h"

#include <gtest/gtest.h>

namespace aviary::webhooks {
namespace {

api::CanaryWebhook hook(const std::string& name, int retries = 0) {
  api::CanaryWebhook h;
  h.name = name;
  h.url = "http://tester.test/";
  h.retries = retries;
  return h;
}

TEST(ScriptedCallerTest, AnswersLikeTheRealClient) {
  ScriptedWebhookCaller c;
  Payload p{"app", "prod", "Progressing", "x", {}};
  EXPECT_TRUE(c.call(hook("a"), p).ok());  // default 200
  c.set("a", ScriptedAnswer::ofStatus(403, "denied"));
  EXPECT_EQ(c.call(hook("a"), p).error().message, "denied");
  c.set("a", ScriptedAnswer::ofStatus(500));
  EXPECT_EQ(c.call(hook("a", 2), p).error().message, "POST http://tester.test/ giving up after 3 attempt(s)");
  c.set("a", ScriptedAnswer::timeout());
  EXPECT_EQ(c.call(hook("a"), p).error().message,
            "POST http://tester.test/ giving up after 1 attempt(s): Post \"http://tester.test/\": context deadline "
            "exceeded (Client.Timeout exceeded while awaiting headers)");
  c.set("default", ScriptedAnswer::ofStatus(204));
  EXPECT_FALSE(c.call(hook("b"), p).ok());
  auto calls = c.takeCalls();
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls[3].outcome, "timeout");
  EXPECT_TRUE(c.calls().empty());
}

}  // namespace
}  // namespace aviary::webhooks
