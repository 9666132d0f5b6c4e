// The real webhook client against a real HTTP server on 127.0.0.1.
#include "webhooks/http_caller.h"

#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/http_server.h"

namespace aviary::webhooks {
namespace {

class HttpCallerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto srv = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& r) {
      std::lock_guard lock(mu_);
      requests_.push_back(r);
      if (r.path == "/slow") {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        return http::ServerResponse::text(200, "late");
      }
      int status = 200;
      std::string body = "ok";
      if (!script_.empty()) {
        status = script_.front().first;
        body = script_.front().second;
        script_.erase(script_.begin());
      }
      auto resp = http::ServerResponse::text(status, body);
      if (status == 429) resp.headers.push_back({"Retry-After", "4"});
      return resp;
    });
    ASSERT_TRUE(srv.ok()) << srv.error().format();
    server_ = std::move(*srv);
  }
  void TearDown() override { server_->stop(); }

  api::CanaryWebhook hook(const std::string& path, int retries = 0, std::string timeout = "5s") {
    api::CanaryWebhook h;
    h.name = "test";
    h.url = server_->url() + path;
    h.retries = retries;
    h.timeout = std::move(timeout);
    return h;
  }
  void script(std::vector<std::pair<int, std::string>> s) {
    std::lock_guard lock(mu_);
    script_ = std::move(s);
  }
  size_t requestCount() {
    std::lock_guard lock(mu_);
    return requests_.size();
  }

  std::vector<Duration> sleeps_;
  HttpWebhookCaller caller_{[this](Duration d) { sleeps_.push_back(d); }};
  std::unique_ptr<http::HttpServer> server_;
  std::mutex mu_;
  std::vector<http::ServerRequest> requests_;
  std::vector<std::pair<int, std::string>> script_;
  Payload payload_{"podinfo", "test", "Progressing", "65bb57b6b5", {{"cmd", "hey -z 1m http://podinfo-canary:9898/"}}};
};

TEST_F(HttpCallerTest, PostsFlaggerPayload) {
  ASSERT_TRUE(caller_.call(hook("/hook"), payload_).ok());
  ASSERT_EQ(requestCount(), 1u);
  const auto& r = requests_[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/hook");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body,
            R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"65bb57b6b5",)"
            R"("metadata":{"cmd":"hey -z 1m http://podinfo-canary:9898/"}})");
}

TEST_F(HttpCallerTest, SuccessIsAtMost202AndBodyIsTheError) {
  script({{202, "accepted"}, {204, ""}, {403, "approval required"}});
  EXPECT_TRUE(caller_.call(hook("/"), payload_).ok());
  auto r204 = caller_.call(hook("/"), payload_);
  ASSERT_FALSE(r204.ok());
  EXPECT_EQ(r204.error().message, "");
  auto r403 = caller_.call(hook("/"), payload_);
  ASSERT_FALSE(r403.ok());
  EXPECT_EQ(r403.error().message, "approval required");
  EXPECT_TRUE(sleeps_.empty());  // 4xx/2xx are never retried
}

TEST_F(HttpCallerTest, RetriesRetryableStatusesWithBackoff) {
  script({{500, "a"}, {429, "b"}, {200, "ok"}});
  ASSERT_TRUE(caller_.call(hook("/", 2), payload_).ok());
  EXPECT_EQ(requestCount(), 3u);
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_EQ(sleeps_[0], std::chrono::seconds(1));
  EXPECT_EQ(sleeps_[1], std::chrono::seconds(4));  // Retry-After on 429
}

TEST_F(HttpCallerTest, GivesUpAfterRetries) {
  script({{503, "x"}, {502, "y"}});
  auto r = caller_.call(hook("/gate", 1), payload_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "POST " + server_->url() + "/gate giving up after 2 attempt(s)");
  EXPECT_EQ(requestCount(), 2u);
}

TEST_F(HttpCallerTest, TimeoutPerAttempt) {
  const auto start = std::chrono::steady_clock::now();
  auto r = caller_.call(hook("/slow", 0, "200ms"), payload_);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1400));
  EXPECT_EQ(r.error().message.rfind("POST " + server_->url() + "/slow giving up after 1 attempt(s): ", 0), 0u)
      << r.error().message;
}

TEST_F(HttpCallerTest, TransportErrorsAreRetried) {
  const std::string url = server_->url();
  server_->stop();
  api::CanaryWebhook h;
  h.name = "gone";
  h.url = url + "/x";
  h.retries = 2;
  auto r = caller_.call(h, payload_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.rfind("POST " + url + "/x giving up after 3 attempt(s): ", 0), 0u) << r.error().message;
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(HttpCallerTest, BadTimeoutAndUrl) {
  auto r = caller_.call(hook("/", 0, "ten"), payload_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "time: invalid duration \"ten\"");
  api::CanaryWebhook h;
  h.url = "not a url";
  EXPECT_FALSE(caller_.call(h, payload_).ok());
  EXPECT_EQ(requestCount(), 0u);
}

}  // namespace
}  // namespace aviary::webhooks
