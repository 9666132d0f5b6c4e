// `aviary metrics-server` as a process: it scrapes the targets it is given and answers queries on
// --listen; bad flags are all reported at once with exit status 2.
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "common/http_server.h"
#include "loadtester/process.h"
#include "support/prometheus_server.h"

extern char** environ;

namespace aviary::tsdb {
namespace {

TEST(MetricsServerCli, ScrapesAndAnswers) {
  auto exporter = http::HttpServer::start("127.0.0.1", 0, [](const http::ServerRequest&) {
    return http::ServerResponse::text(200, "# TYPE x_total counter\nx_total{code=\"200\"} 5\n");
  });
  ASSERT_TRUE(exporter.ok());
  auto port = testsupport::pickFreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  std::vector<std::string> args = {AVIARY_BINARY, "metrics-server", "--scrape", "e=" + (*exporter)->url() + "/metrics",
                                   "--scrape-interval", "100ms", "--listen", "127.0.0.1:" + std::to_string(*port)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, AVIARY_BINARY, nullptr, nullptr, argv.data(), environ), 0);
  // The process scrapes on its own schedule: poll its API, bounded to 10 s.
  std::string answer;
  const std::string url = "http://127.0.0.1:" + std::to_string(*port) + "/api/v1/query?query=" +
                          http::urlEncode(R"(sum(x_total{job="e"}))");
  for (int i = 0; i < 100 && answer != "5"; ++i) {
    auto r = http::get(url, std::chrono::seconds(2));
    if (r.ok() && r->status == 200) {
      auto j = nlohmann::json::parse(r->body, nullptr, false);
      if (!j.is_discarded() && !j["data"]["result"].empty()) answer = j["data"]["result"][0]["value"][1];
    }
    if (answer != "5") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(answer, "5");
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  (*exporter)->stop();
}

TEST(MetricsServerCli, BadFlagsAreAllReported) {
  loadtester::ProcessSpec spec;
  spec.argv = {AVIARY_BINARY, "metrics-server", "--scrape", "ftp://x", "--scrape-interval", "0s", "--retention", "1x"};
  spec.timeout = std::chrono::seconds(10);
  auto r = loadtester::runProcess(spec);
  EXPECT_EQ(r.exitCode, 2) << r.describe() << r.output;
  EXPECT_NE(r.output.find("--scrape-interval: expected a positive duration, found \"0s\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--retention: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--scrape: expected an http(s):// URL, found \"ftp://x\""), std::string::npos) << r.output;
}

}  // namespace
}  // namespace aviary::tsdb
