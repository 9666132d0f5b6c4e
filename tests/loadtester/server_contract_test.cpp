// Contract tests: every endpoint of `aviary loadtester` and its status codes
// (flagger-integration.md §5.2–5.4), over a real socket on 127.0.0.1:0.
#include <gtest/gtest.h>

#include "loadtester_fixture.h"

namespace aviary::loadtester {
namespace {

using testing::eventually;
using testing::payload;
using testing::readFile;
using testing::ServerHarness;
using testing::TempDir;

TEST(LoadtesterContractTest, HealthzAndMetrics) {
  ServerHarness h;
  auto r = h.get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "OK");
  h.post("/", payload(R"({"type":"bash","cmd":"true"})"));
  r = h.get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("aviary_loadtester_tasks_started_total{type=\"bash\"} 1"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("aviary_loadtester_tasks_running"), std::string::npos);
  EXPECT_NE(r.body.find("aviary_loadtester_task_duration_seconds_count{type=\"bash\"} 1"), std::string::npos);
}

TEST(LoadtesterContractTest, ApproveAndHaltIgnoreTheBody) {
  ServerHarness h;
  auto r = h.post("/gate/approve", "not json");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "OK");
  r = h.post("/gate/halt", "not json");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "Forbidden");
}

TEST(LoadtesterContractTest, GateLifecycle) {
  ServerHarness h;
  auto body = payload("");
  auto r = h.post("/gate/check", body);
  EXPECT_EQ(r.status, 403) << "unknown gate is closed";
  EXPECT_EQ(r.body, "Forbidden");
  r = h.post("/gate/open", body);
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "");
  r = h.post("/gate/check", body);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Approved");
  EXPECT_EQ(h.post("/gate/check", payload("", "other")).status, 403) << "gates are per name.namespace";
  EXPECT_EQ(h.post("/rollback/check", body).status, 403) << "rollback keys are separate";
  EXPECT_EQ(h.post("/gate/close", body).status, 202);
  EXPECT_EQ(h.post("/gate/check", body).status, 403);
}

TEST(LoadtesterContractTest, RollbackLifecycle) {
  ServerHarness h;
  auto body = payload("");
  EXPECT_EQ(h.post("/rollback/check", body).status, 403);
  EXPECT_EQ(h.post("/rollback/open", body).status, 202);
  auto r = h.post("/rollback/check", body);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Approved");
  EXPECT_EQ(h.post("/gate/check", body).status, 403);
  EXPECT_EQ(h.post("/rollback/close", body).status, 202);
  EXPECT_EQ(h.post("/rollback/check", body).status, 403);
}

TEST(LoadtesterContractTest, MalformedJsonIs400OnEveryPayloadEndpoint) {
  ServerHarness h;
  for (const char* path : {"/", "/gate/check", "/gate/open", "/gate/close", "/rollback/check", "/rollback/open",
                           "/rollback/close", "/some/other/path"}) {
    auto r = h.post(path, "{\"name\": ");
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_NE(r.body.find("invalid JSON payload"), std::string::npos) << path << ": " << r.body;
    EXPECT_EQ(h.post(path, "").status, 400) << path << " (empty body)";
  }
}

TEST(LoadtesterContractTest, WrongFieldTypesAre400WithThePath) {
  ServerHarness h;
  auto r = h.post("/", payload(R"({"cmd": 5})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("metadata.cmd: expected a string, found number"), std::string::npos) << r.body;
  r = h.post("/", R"({"name": 1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("name: expected a string"), std::string::npos) << r.body;
  r = h.post("/", "[1,2]");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("expected an object"), std::string::npos) << r.body;
}

TEST(LoadtesterContractTest, BadTasksAre400AndRunNothing) {
  TempDir dir;
  ServerHarness h;
  std::string marker = dir.file("ran");
  auto r = h.post("/", payload(""));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "metadata not found in payload\n");
  r = h.post("/", payload(R"({"type":"bash"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "cmd not found in metadata\n");
  r = h.post("/", payload(R"({"logCmdOutput":"true"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "cmd not found in metadata\n");
  r = h.post("/", payload(R"({"type":"perl","cmd":"touch )" + marker + R"("})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "unknown task type perl\n");
  r = h.post("/", payload(R"({"type":"concord","cmd":"touch )" + marker + R"("})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("not supported"), std::string::npos);
  r = h.post("/", payload(R"({"cmd":"touch )" + marker + R"( | cat"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("shell operator '|'"), std::string::npos) << r.body;
  r = h.post("/", payload(R"({"type":"bash","timeout":"soon","cmd":"touch )" + marker + R"("})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("metadata.timeout"), std::string::npos) << r.body;
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(h.server().runningTasks(), 0u);
}

TEST(LoadtesterContractTest, OversizedBodyIs400AndRunsNothing) {
  TempDir dir;
  LoadtesterOptions o;
  o.maxBodyBytes = 2048;
  ServerHarness h(o);
  std::string marker = dir.file("ran");
  std::string body = payload(R"({"type":"bash","cmd":"touch )" + marker + R"(","pad":")" + std::string(4096, 'x') + R"("})");
  auto r = h.post("/", body);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("request body larger than 2048 bytes"), std::string::npos) << r.body;
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(LoadtesterContractTest, BashRunsInTheRequest) {
  ServerHarness h;
  auto r = h.post("/", payload(R"({"type":"bash","cmd":"echo out; echo err >&2","returnCmdOutput":"true"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "out\nerr\n");
  r = h.post("/", payload(R"({"type":"bash","cmd":"echo out"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "") << "output only with returnCmdOutput";
  r = h.post("/", payload(R"({"type":"bash","cmd":"false"})"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "command false failed: : exit status 1");
  r = h.post("/", payload(R"({"type":"bash","cmd":"echo boom; exit 3"})"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, "command echo boom; exit 3 failed: boom\n: exit status 3");
}

TEST(LoadtesterContractTest, KubectlAndHelmAreBlockingAndReportMissingBinaries) {
  // PATH without helm: the exec error is reported the way Go reports it.
  ServerHarness h;
  auto r = h.post("/", payload(R"({"type":"helmv3","cmd":"test podinfo --cleanup"})"));
  if (r.status == 500) {
    EXPECT_NE(r.body.find("command test podinfo --cleanup failed: "), std::string::npos) << r.body;
  } else {
    EXPECT_EQ(r.status, 200);  // a real helm is installed and happened to succeed
  }
}

TEST(LoadtesterContractTest, CmdRunsInTheBackgroundWithoutAShell) {
  TempDir dir;
  ServerHarness h;
  std::string marker = dir.file("a b");  // a quoted argument with a space stays one argument
  auto r = h.post("/", payload(R"({"cmd":"touch ')" + marker + R"('"})"));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "");
  EXPECT_TRUE(eventually([&] { return std::filesystem::exists(marker); }));
}

TEST(LoadtesterContractTest, CmdShellOptionRunsShSyntax) {
  TempDir dir;
  LoadtesterOptions o;
  o.cmdShell = true;
  ServerHarness h(o);
  std::string out = dir.file("out");
  auto r = h.post("/", payload(R"({"cmd":"echo piped | tr a-z A-Z > )" + out + R"("})"));
  EXPECT_EQ(r.status, 202);
  EXPECT_TRUE(eventually([&] { return readFile(out) == "PIPED\n"; })) << readFile(out);
}

TEST(LoadtesterContractTest, RunningBackgroundCommandIsNotStartedTwice) {
  TempDir dir;
  ServerHarness h;
  std::string log = dir.file("runs");
  std::string meta = R"({"cmd":"sh -c \"echo run >> )" + log + R"(; sleep 1\""})";
  auto first = h.post("/", payload(meta));
  EXPECT_EQ(first.status, 202);
  auto second = h.post("/", payload(meta));
  EXPECT_EQ(second.status, 202) << "Flagger sees success either way";
  auto hdr = second.headers.find("x-aviary-task");
  ASSERT_NE(hdr, second.headers.end());
  EXPECT_EQ(hdr->second, "skipped");
  // Another canary with the same command is a different task.
  EXPECT_EQ(h.post("/", payload(meta, "other")).headers.find("x-aviary-task")->second, "started");
  EXPECT_TRUE(eventually([&] { return h.server().runningTasks() == 0; }));
  EXPECT_EQ(readFile(log), "run\nrun\n");
  // Once finished, the same command runs again.
  EXPECT_EQ(h.post("/", payload(meta)).headers.find("x-aviary-task")->second, "started");
  EXPECT_TRUE(eventually([&] { return h.server().runningTasks() == 0; }));
  auto m = h.get("/metrics");
  EXPECT_NE(m.body.find("aviary_loadtester_tasks_skipped_total{type=\"cmd\"} 1"), std::string::npos) << m.body;
}

}  // namespace
}  // namespace aviary::loadtester
