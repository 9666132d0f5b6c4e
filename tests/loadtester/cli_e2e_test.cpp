// End to end through the `aviary` binary: `aviary hey` and `aviary loadtester` with Go-style flags
// (one or two dashes), and a webhook `hey` command served by the built-in hey.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atomic>

#include "common/http_server.h"
#include "loadtester/process.h"
#include "loadtester_fixture.h"

extern char** environ;

namespace aviary::loadtester {
namespace {

using testing::eventually;

uint16_t freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class Counting {
 public:
  Counting() {
    auto s = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest&) {
      ++count_;
      return http::ServerResponse::text(200, "ok\n");
    });
    EXPECT_TRUE(s.ok());
    server_ = std::move(s).value();
  }
  std::string url() const { return server_->url() + "/"; }
  uint64_t count() const { return count_; }

 private:
  std::atomic<uint64_t> count_{0};
  std::unique_ptr<http::HttpServer> server_;
};

// A running `aviary loadtester`, stopped with SIGTERM.
class LoadtesterProcess {
 public:
  explicit LoadtesterProcess(std::vector<std::string> args) {
    args.insert(args.begin(), {AVIARY_BINARY, "loadtester"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(::posix_spawn(&pid_, AVIARY_BINARY, nullptr, nullptr, argv.data(), environ), 0);
  }
  int stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = 0;
};

TEST(CliEndToEndTest, AviaryHeyPrintsHeysSummary) {
  Counting srv;
  ProcessSpec spec;
  spec.argv = {AVIARY_BINARY, "hey", "-n", "100", "-c", "4", srv.url()};
  spec.timeout = std::chrono::seconds(30);
  auto r = runProcess(spec);
  EXPECT_TRUE(r.ok()) << r.describe() << r.output;
  EXPECT_EQ(srv.count(), 100u);
  EXPECT_NE(r.output.find("\nSummary:\n  Total:\t"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Status code distribution:\n  [200]\t100 responses"), std::string::npos) << r.output;
  spec.argv = {AVIARY_BINARY, "hey", "-n", "1", "-c", "2", srv.url()};
  r = runProcess(spec);
  EXPECT_EQ(r.exitCode, 2) << "usage error";
  EXPECT_NE(r.output.find("-n cannot be less than -c."), std::string::npos) << r.output;
}

TEST(CliEndToEndTest, LoadtesterRunsWebhookHeyWithTheBuiltinHey) {
  Counting srv;
  for (const auto& style : {std::vector<std::string>{"-hey=builtin", "-timeout=30s", "-port="},
                            std::vector<std::string>{"--hey", "builtin", "--timeout", "30s", "--port"}}) {
    uint16_t port = freePort();
    std::vector<std::string> args = style;
    if (args.back().back() == '=') {
      args.back() += std::to_string(port);
    } else {
      args.push_back(std::to_string(port));
    }
    LoadtesterProcess lt(args);
    std::string base = "http://127.0.0.1:" + std::to_string(port);
    ASSERT_TRUE(eventually([&] {
      auto r = http::get(base + "/healthz", std::chrono::milliseconds(500));
      return r.ok() && r->status == 200;
    })) << "loadtester did not come up with " << args[0];
    uint64_t before = srv.count();
    auto r = http::postJson(base + "/", testing::payload(R"({"cmd":"hey -n 50 -c 5 )" + srv.url() + R"("})"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 202);
    EXPECT_TRUE(eventually([&] { return srv.count() == before + 50; }, std::chrono::seconds(10))) << srv.count();
    EXPECT_EQ(lt.stop(), 0);
  }
}

}  // namespace
}  // namespace aviary::loadtester
