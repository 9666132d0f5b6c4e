#include "notifier/chat_notifier.h"

#include <mutex>

#include <gtest/gtest.h>

#include "common/http_server.h"
#include "notifier/recording_notifier.h"

namespace aviary::notifier {
namespace {

const std::vector<Field> kFields{{"Target", "Deployment/podinfo.test"}, {"Failed checks threshold", "5"}};

TEST(ChatFormatTest, Slack) {
  ChatConfig c;
  EXPECT_EQ(formatBody(c, "podinfo", "test", "New revision detected, progressing canary analysis.", kFields, Severity::Info),
            R"({"channel":"general","username":"flagger","icon_url":"","icon_emoji":":rocket:","attachments":[)"
            R"({"color":"good","author_name":"podinfo.test","text":"New revision detected, progressing canary analysis.",)"
            R"("mrkdwn_in":["text"],"fields":[{"title":"Target","value":"Deployment/podinfo.test","short":false},)"
            R"({"title":"Failed checks threshold","value":"5","short":false}]}]})");
  EXPECT_NE(formatBody(c, "a", "b", "m", {}, Severity::Error).find(R"("color":"danger")"), std::string::npos);
  EXPECT_NE(formatBody(c, "a", "b", "m", {}, Severity::Warn).find(R"("fields":[])"), std::string::npos);
}

TEST(ChatFormatTest, RocketColors) {
  ChatConfig c;
  c.kind = ChatKind::Rocket;
  EXPECT_NE(formatBody(c, "a", "b", "m", {}, Severity::Info).find(R"("color":"#0076D7")"), std::string::npos);
  EXPECT_NE(formatBody(c, "a", "b", "m", {}, Severity::Error).find(R"("color":"#FF0000")"), std::string::npos);
}

TEST(ChatFormatTest, MsTeams) {
  ChatConfig c;
  c.kind = ChatKind::MsTeams;
  EXPECT_EQ(formatBody(c, "podinfo", "test", "Canary is waiting for approval.", {{"Cluster", "eu"}}, Severity::Error),
            R"({"@type":"MessageCard","@context":"http://schema.org/extensions","themeColor":"FF0000",)"
            R"("summary":"podinfo.test","sections":[{"activityTitle":"Canary is waiting for approval.",)"
            R"("activitySubtitle":"podinfo.test","facts":[{"name":"Cluster","value":"eu"}]}]})");
}

TEST(ChatFormatTest, GoogleChat) {
  ChatConfig c;
  c.kind = ChatKind::GChat;
  EXPECT_EQ(formatBody(c, "podinfo", "test", "msg", {{"Cluster", "eu"}}, Severity::Info),
            R"({"cards":[{"header":{"title":"Flagger","subtitle":"podinfo.test","imageUrl":"https://flagger.app/favicon.png"},)"
            R"("sections":[{"widgets":[{"textParagraph":{"text":"<font color=#848484><strong>msg</strong></font>"}}]},)"
            R"({"widgets":[{"textParagraph":{"text":"Cluster<br><font color=#848484><strong>eu</strong></font>"}}]}]}]})");
}

TEST(MakeNotifierTest, TypesAndValidation) {
  api::AlertProvider p;
  p.type = "pagerduty";
  auto bad = makeNotifier(p, "http://x", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "provider pagerduty not supported");
  p.type = "slack";
  EXPECT_TRUE(makeNotifier(p, "", "").ok());  // empty address: silent no-op
  EXPECT_FALSE(makeNotifier(p, "not a url", "").ok());
  ChatConfig c;
  c.url = "http://x/";
  c.channel = "";
  EXPECT_EQ(ChatNotifier::create(c).error().message, "empty channel");
}

class ChatPostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto srv = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& r) {
      std::lock_guard lock(mu_);
      last_ = r;
      return http::ServerResponse::text(status_, "no_team");
    });
    ASSERT_TRUE(srv.ok());
    server_ = std::move(*srv);
  }
  void TearDown() override { server_->stop(); }
  std::unique_ptr<http::HttpServer> server_;
  std::mutex mu_;
  http::ServerRequest last_;
  int status_ = 200;
};

TEST_F(ChatPostTest, SlackPostsWithToken) {
  api::AlertProvider p;
  p.type = "slack";
  p.channel = "deploys";
  auto n = makeNotifier(p, server_->url() + "/services/x", "tok");
  ASSERT_TRUE(n.ok()) << n.error().message;
  ASSERT_TRUE((*n)->post("podinfo", "test", "hello", kFields, Severity::Info).ok());
  EXPECT_EQ(last_.path, "/services/x");
  EXPECT_EQ(last_.header("authorization"), "Bearer tok");
  EXPECT_EQ(last_.header("content-type"), "application/json");
  EXPECT_NE(last_.body.find(R"("channel":"deploys")"), std::string::npos);
}

TEST_F(ChatPostTest, DiscordAppendsSlackPath) {
  api::AlertProvider p;
  p.type = "discord";
  auto n = makeNotifier(p, server_->url() + "/api/webhooks/1/abc", "");
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE((*n)->post("podinfo", "test", "hello", {}, Severity::Warn).ok());
  EXPECT_EQ(last_.path, "/api/webhooks/1/abc/slack");
  EXPECT_EQ(last_.header("authorization"), "");
}

TEST_F(ChatPostTest, BadResponseIsAnError) {
  status_ = 400;
  api::AlertProvider p;
  p.type = "msteams";
  auto n = makeNotifier(p, server_->url() + "/", "");
  ASSERT_TRUE(n.ok());
  auto st = (*n)->post("podinfo", "test", "hello", {}, Severity::Info);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "sending notification bad response 400: no_team");
}

TEST(RecordingNotifierTest, Records) {
  RecordingNotifier r("p");
  ASSERT_TRUE(r.post("w", "ns", "m", {}, Severity::Warn).ok());
  ASSERT_EQ(r.alerts().size(), 1u);
  EXPECT_EQ(r.alerts()[0].provider, "p");
  EXPECT_EQ(std::string(toString(r.alerts()[0].severity)), "warn");
}

}  // namespace
}  // namespace aviary::notifier
