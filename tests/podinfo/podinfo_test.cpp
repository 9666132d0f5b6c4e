// The demo service in-process on 127.0.0.1:0, with a manual clock (token expiry) and seeded faults.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "podinfo/podinfo.h"

namespace aviary::podinfo {
namespace {

using Json = nlohmann::json;

class PodinfoTest : public ::testing::Test {
 protected:
  std::unique_ptr<Server> serve(Options o) {
    o.port = 0;
    auto s = Server::start(o, clock_);
    EXPECT_TRUE(s.ok()) << s.error().format();
    return s.ok() ? std::move(s.value()) : nullptr;
  }
  static http::Response call(const Server& s, const std::string& path, const std::string& method = "GET") {
    http::Request req;
    req.method = method;
    req.url = s.url() + path;
    auto r = http::perform(req);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? r.value() : http::Response{};
  }
  ManualClock clock_{Clock::TimePoint{std::chrono::seconds(1700000000)}};
};

TEST_F(PodinfoTest, ServesPodinfosEndpoints) {
  Options o;
  o.version = "6.0.1";
  auto s = serve(o);
  ASSERT_TRUE(s);
  auto root = call(*s, "/");
  EXPECT_EQ(root.status, 200);
  Json j = Json::parse(root.body);
  EXPECT_EQ(j["version"], "6.0.1");
  EXPECT_EQ(j["message"], "greetings from podinfo v6.0.1");
  EXPECT_EQ(j["color"], "#34577c");
  EXPECT_FALSE(j["hostname"].get<std::string>().empty());
  EXPECT_EQ(Json::parse(call(*s, "/version").body)["version"], "6.0.1");
  EXPECT_EQ(call(*s, "/healthz").status, 200);
  EXPECT_EQ(call(*s, "/readyz").status, 200);

  auto token = call(*s, "/token", "POST");
  EXPECT_EQ(token.status, 200);
  Json t = Json::parse(token.body);
  EXPECT_EQ(t["token"].get<std::string>().size(), 32u);
  EXPECT_EQ(t["expires_at"], "2023-11-14T22:14:20Z") << "the injected clock + 1 minute";
  EXPECT_EQ(call(*s, "/token").status, 405);

  EXPECT_EQ(call(*s, "/status/503").status, 503);
  EXPECT_EQ(call(*s, "/status/201").status, 201);
  EXPECT_EQ(call(*s, "/status/abc").status, 400);
  EXPECT_EQ(call(*s, "/status/99").status, 400);
  EXPECT_EQ(call(*s, "/delay/0").status, 200);
  auto tooLong = call(*s, "/delay/31");
  EXPECT_EQ(tooLong.status, 400);
  EXPECT_NE(tooLong.body.find("from 0 to 30"), std::string::npos) << tooLong.body;
  EXPECT_EQ(call(*s, "/nope").status, 404);
}

TEST_F(PodinfoTest, SeededFaultsAreDeterministicAndSpareTheProbes) {
  Options o;
  o.fault5xxRatio = 0.3;
  o.fault404Ratio = 0.2;
  o.seed = 42;
  auto a = serve(o);
  auto b = serve(o);
  ASSERT_TRUE(a && b);
  std::vector<long> codesA, codesB;
  std::map<long, int> counts;
  for (int i = 0; i < 200; ++i) {
    codesA.push_back(call(*a, "/").status);
    codesB.push_back(call(*b, "/").status);
    ++counts[codesA.back()];
  }
  EXPECT_EQ(codesA, codesB) << "same seed, same faults";
  EXPECT_NEAR(counts[500], 60, 25);
  EXPECT_NEAR(counts[404], 40, 20);
  EXPECT_EQ(counts[200] + counts[500] + counts[404], 200);

  o.fault5xxRatio = 1.0;
  o.fault404Ratio = 0;
  auto broken = serve(o);
  ASSERT_TRUE(broken);
  EXPECT_EQ(call(*broken, "/").status, 500);
  EXPECT_EQ(call(*broken, "/token", "POST").status, 500);
  EXPECT_EQ(call(*broken, "/readyz").status, 200) << "a faulty release still becomes ready";
  EXPECT_EQ(call(*broken, "/healthz").status, 200);

  o.faultSkipPaths = {"/token"};
  auto spared = serve(o);
  ASSERT_TRUE(spared);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call(*spared, "/token", "POST").status, 200) << "a skipped path";
  EXPECT_EQ(call(*spared, "/").status, 500);
  EXPECT_EQ(call(*spared, "/token/").status, 500) << "paths match exactly";
}

TEST_F(PodinfoTest, ServesConcurrentClients) {
  auto s = serve(Options{});
  ASSERT_TRUE(s);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto r = http::get(s->url() + "/", std::chrono::seconds(10));
        ok += r.ok() && r->status == 200;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 200);
}

TEST_F(PodinfoTest, LatencyIsAddedBeforeTheAnswer) {
  Options o;
  o.faultLatency = std::chrono::milliseconds(150);
  auto s = serve(o);
  ASSERT_TRUE(s);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(call(*s, "/").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(150));
}

TEST(PodinfoOptions, EnvironmentSetsEverythingAndReportsAllBadValues) {
  std::map<std::string, std::string> env{{kEnvVersion, "2.0.0"},     {kEnvColor, "#fff"},
                                         {kEnvMessage, "hi"},        {kEnvFault5xx, "0.25"},
                                         {kEnvFault404, "0.5"},      {kEnvFaultLatency, "250ms"},
                                         {kEnvSeed, "7"},           {kEnvFaultSkipPaths, "/token, /version"}};
  auto getenv = [&](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  Options o;
  ASSERT_TRUE(applyEnvironment(o, getenv).ok());
  EXPECT_EQ(o.version, "2.0.0");
  EXPECT_EQ(o.color, "#fff");
  EXPECT_EQ(o.message, "hi");
  EXPECT_DOUBLE_EQ(o.fault5xxRatio, 0.25);
  EXPECT_DOUBLE_EQ(o.fault404Ratio, 0.5);
  EXPECT_EQ(o.faultLatency, std::chrono::milliseconds(250));
  EXPECT_EQ(o.seed, 7u);
  EXPECT_EQ(o.faultSkipPaths, (std::vector<std::string>{"/token", "/version"}));

  env = {{kEnvVersion, "9.9.9"}, {kEnvFault5xx, "1.5"}, {kEnvFaultLatency, "soon"}, {kEnvSeed, "-1"},
         {kEnvFaultSkipPaths, "token"}};
  Options unchanged;
  auto s = applyEnvironment(unchanged, getenv);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("PODINFO_FAULT_5XX_RATIO: expected a number in [0, 1], found \"1.5\""),
            std::string::npos)
      << s.error().message;
  EXPECT_NE(s.error().message.find("PODINFO_FAULT_LATENCY"), std::string::npos);
  EXPECT_NE(s.error().message.find("PODINFO_SEED"), std::string::npos);
  EXPECT_NE(s.error().message.find("PODINFO_FAULT_SKIP_PATHS: expected paths starting with /, found \"token\""),
            std::string::npos);
  EXPECT_EQ(unchanged.version, "3.1.0") << "nothing half-applied";
}

TEST(PodinfoOptions, RatiosMustFitTogether) {
  Options o;
  o.fault5xxRatio = 0.7;
  o.fault404Ratio = 0.6;
  auto s = validateOptions(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("expected at most 1"), std::string::npos) << s.error().message;
  ManualClock clock;
  EXPECT_FALSE(Server::start(o, clock).ok());
}

}  // namespace
}  // namespace aviary::podinfo
