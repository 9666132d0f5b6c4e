// The built-in hey against real test servers on 127.0.0.1:0: exact request counts, status-code
// distribution, errors, keep-alive off, and the summary it prints.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "common/http_server.h"
#include "loadtester/hey_engine.h"
#include "loadtester/hey_report.h"

namespace aviary::loadtester {
namespace {

// Counts requests; every tenth one answers 500 (exactly 10%).
class CountingServer {
 public:
  CountingServer() {
    auto s = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& req) {
      uint64_t n = ++count_;
      if (req.header("connection") == "close") ++closeHeaders_;
      if (req.method == "POST") bodies_ += req.body.size();
      return http::ServerResponse::text(n % 10 == 0 ? 500 : 200, "hello\n");
    });
    EXPECT_TRUE(s.ok());
    server_ = std::move(*s);
  }
  std::string url() const { return server_->url() + "/"; }
  uint64_t count() const { return count_; }
  uint64_t closeHeaders() const { return closeHeaders_; }
  uint64_t bodyBytes() const { return bodies_; }

 private:
  std::atomic<uint64_t> count_{0}, closeHeaders_{0}, bodies_{0};
  std::unique_ptr<http::HttpServer> server_;
};

HeyOptions options(const std::vector<std::string>& args) {
  auto o = parseHeyArgs(args);
  EXPECT_TRUE(o.ok()) << (o.ok() ? "" : o.error().format());
  return o.ok() ? *o : HeyOptions{};
}

TEST(HeyLoadTest, SendsExactlyNRequests) {
  CountingServer srv;
  auto r = runHey(options({"-n", "1000", "-c", "10", srv.url()}), nullptr);
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(srv.count(), 1000u);
  EXPECT_EQ(r->stats.responses, 1000u);
  EXPECT_EQ(r->stats.errorCount, 0u);
  EXPECT_EQ(r->stats.latency.count(), 1000u);
  EXPECT_EQ(r->stats.sizeTotal, 6000);
}

TEST(HeyLoadTest, RoundsNDownToAMultipleOfCLikeHey) {
  CountingServer srv;
  auto r = runHey(options({"-n", "25", "-c", "10", srv.url()}), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(srv.count(), 20u);
}

TEST(HeyLoadTest, StatusCodeDistributionMatchesTheServer) {
  CountingServer srv;
  auto r = runHey(options({"-n", "1000", "-c", "8", "-threads", "2", srv.url()}), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.statusCounts[200], 900u);
  EXPECT_EQ(r->stats.statusCounts[500], 100u);
  std::string s = formatHeySummary(*r);
  EXPECT_NE(s.find("Status code distribution:\n  [200]\t900 responses\n  [500]\t100 responses\n"), std::string::npos) << s;
}

TEST(HeyLoadTest, DisableKeepAliveAndPostBody) {
  CountingServer srv;
  auto r = runHey(options({"-n", "20", "-c", "2", "-m", "POST", "-d", "abc", "-disable-keepalive", srv.url()}), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(srv.count(), 20u);
  EXPECT_EQ(srv.closeHeaders(), 20u);
  EXPECT_EQ(srv.bodyBytes(), 60u);
  EXPECT_EQ(r->stats.responses, 20u);
  EXPECT_GT(r->stats.conn.min, 0) << "every request dialed a new connection";
}

TEST(HeyLoadTest, FollowsSameHostRedirectsUnlessDisabled) {
  std::atomic<uint64_t> finalGets{0};
  auto srv = http::HttpServer::start("127.0.0.1", 0, [&](const http::ServerRequest& req) {
    http::ServerResponse r = http::ServerResponse::text(302, "");
    if (req.path == "/r") {
      r.headers.emplace_back("Location", "/final");
    } else if (req.path == "/away") {
      r.headers.emplace_back("Location", "http://elsewhere.invalid/");
    } else {
      if (req.method == "GET") ++finalGets;
      r = http::ServerResponse::text(200, "done");
    }
    return r;
  });
  ASSERT_TRUE(srv.ok());
  std::string base = (*srv)->url();
  auto r = runHey(options({"-n", "10", "-c", "2", "-m", "POST", "-d", "x", base + "/r"}), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.statusCounts[200], 10u);
  EXPECT_EQ(finalGets.load(), 10u) << "302 turns POST into GET";
  r = runHey(options({"-n", "10", "-c", "2", "-disable-redirects", base + "/r"}), nullptr);
  EXPECT_EQ(r->stats.statusCounts[302], 10u);
  r = runHey(options({"-n", "4", "-c", "2", base + "/away"}), nullptr);
  EXPECT_EQ(r->stats.statusCounts[302], 4u) << "other hosts are not followed";
  (*srv)->stop();
}

TEST(HeyLoadTest, ConnectionRefusedIsCountedLikeGo) {
  std::string url;
  {
    CountingServer gone;
    url = gone.url();
  }
  auto r = runHey(options({"-n", "6", "-c", "2", url}), nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.errorCount, 6u);
  EXPECT_EQ(r->stats.responses, 0u);
  ASSERT_EQ(r->stats.errors.size(), 1u);
  const auto& [msg, count] = *r->stats.errors.begin();
  EXPECT_EQ(count, 6u);
  EXPECT_EQ(msg.substr(0, 5 + url.size()), "Get \"" + url) << msg;
  EXPECT_NE(msg.find("connect: connection refused"), std::string::npos) << msg;
}

TEST(HeyLoadTest, RequestTimeoutIsAnError) {
  auto slow = http::HttpServer::start("127.0.0.1", 0, [](const http::ServerRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return http::ServerResponse::text(200, "late");
  });
  ASSERT_TRUE(slow.ok());
  HeyOptions o = options({"-n", "2", "-c", "2", (*slow)->url() + "/"});
  o.timeout = std::chrono::milliseconds(200);
  auto r = runHey(o, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stats.errorCount, 2u);
  EXPECT_NE(r->stats.errors.begin()->first.find("Client.Timeout exceeded"), std::string::npos);
  (*slow)->stop();
}

TEST(HeyLoadTest, InterruptStopsADurationRun) {
  CountingServer srv;
  std::atomic<bool> stop{true};
  auto start = std::chrono::steady_clock::now();
  auto r = runHey(options({"-z", "30s", "-c", "2", srv.url()}), &stop);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(HeyLoadTest, CsvRecordsEveryResponse) {
  CountingServer srv;
  auto r = runHey(options({"-n", "50", "-c", "5", "-o", "csv", srv.url()}), nullptr);
  ASSERT_TRUE(r.ok());
  std::string csv = formatHeyCsv(*r);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 51);
  EXPECT_NE(csv.find(",500,"), std::string::npos);
}

}  // namespace
}  // namespace aviary::loadtester
