// The supervisor against real processes on 127.0.0.1: `aviary podinfo` replicas and test_child.
#include <sys/socket.h>
#include <netinet/in.h>

#include <set>

#include "supervisor_fixture.h"

namespace aviary::platform::local {
namespace {

TEST_F(SupervisorTest, StartsReplicasThatBecomeReadyOnTheirOwnPorts) {
  start();
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("3.1.0"), 2).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.available == 2; }));
  SetStatus st = sup_->status("test/podinfo");
  EXPECT_TRUE(st.settled());
  EXPECT_EQ(st.observedRevision, "rev-3.1.0") << "set in the tick that made the last replica ready";
  ASSERT_EQ(st.readyEndpoints.size(), 2u);
  EXPECT_NE(st.readyEndpoints[0].port, st.readyEndpoints[1].port);
  for (const auto& e : st.readyEndpoints) EXPECT_NE(body(e).find("\"version\":\"3.1.0\""), std::string::npos) << body(e);
  for (const auto& m : st.members) {
    EXPECT_GT(m.pid, 0);
    EXPECT_EQ(::getpgid(m.pid), m.pid) << "each replica leads its own process group";
    EXPECT_TRUE(std::filesystem::exists(m.logPath)) << m.logPath;
  }
}

TEST_F(SupervisorTest, AWorkloadsEnvSwitchesPodinfoFaultsOn) {
  start();
  ProcessSpec s = podinfo("3.2.0");
  s.env = {{"PODINFO_FAULT_5XX_RATIO", "1"}};
  ASSERT_TRUE(sup_->apply("test/podinfo", s, 1).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& st) { return st.available == 1; }))
      << "a faulty release still becomes ready";
  const Endpoint e = sup_->status("test/podinfo").readyEndpoints.at(0);
  auto r = http::get("http://" + e.address + "/", std::chrono::seconds(5));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
}

TEST_F(SupervisorTest, ExpandsArgsAndEnvLikeKubernetes) {
  start();
  ProcessSpec s = child({"env", "$(PORT)", "v=$(VERSION)", "$$(PORT)", "$(UNDEFINED)", "$(FOO)"});
  s.version = "2.0.0";
  s.env = {{"FOO", "foo-$(VERSION)"}, {"BAR", "$(FOO)/$(LATER)"}, {"LATER", "x"}, {"PORT", "1"}};
  ASSERT_TRUE(sup_->apply("t/env", s, 1).ok());
  ASSERT_TRUE(waitFor("t/env", [](const SetStatus& s) { return s.available == 1; }));
  SetStatus st = sup_->status("t/env");
  const std::string port = std::to_string(st.members[0].port);
  std::string log;
  ASSERT_TRUE(eventually([&] { return (log = readFile(st.members[0].logPath)).find("BAR=") != std::string::npos; }));
  EXPECT_NE(log.find("arg=" + port + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("arg=v=2.0.0\n"), std::string::npos) << log;
  EXPECT_NE(log.find("arg=$(PORT)\n"), std::string::npos) << log;
  EXPECT_NE(log.find("arg=$(UNDEFINED)\n"), std::string::npos) << log;
  EXPECT_NE(log.find("arg=foo-2.0.0\n"), std::string::npos) << log;
  EXPECT_NE(log.find("PORT=" + port + "\n"), std::string::npos) << "the platform's PORT wins: " << log;
  EXPECT_NE(log.find("VERSION=2.0.0\n"), std::string::npos) << log;
  EXPECT_NE(log.find("BAR=foo-2.0.0/$(LATER)\n"), std::string::npos) << "only earlier entries expand: " << log;
}

TEST_F(SupervisorTest, ScalesUpAndDown) {
  start();
  ProcessSpec s = child({"env"});
  ASSERT_TRUE(sup_->apply("t/scale", s, 1).ok());
  ASSERT_TRUE(waitFor("t/scale", [](const SetStatus& s) { return s.available == 1; }));
  ASSERT_TRUE(sup_->apply("t/scale", s, 3).ok());
  ASSERT_TRUE(waitFor("t/scale", [](const SetStatus& s) { return s.available == 3 && s.members.size() == 3; }));
  std::vector<int> pids;
  for (const auto& m : sup_->status("t/scale").members) pids.push_back(m.pid);
  ASSERT_TRUE(sup_->apply("t/scale", s, 1).ok());
  ASSERT_TRUE(waitFor("t/scale", [](const SetStatus& s) { return s.members.size() == 1 && s.available == 1; }));
  int survivors = 0;
  for (int pid : pids) survivors += alive(pid);
  EXPECT_EQ(survivors, 1);
  EXPECT_EQ(sup_->status("t/scale").members[0].pid, pids[0]) << "the oldest replica is kept";
  ASSERT_TRUE(sup_->apply("t/scale", s, 0).ok());
  ASSERT_TRUE(waitFor("t/scale", [](const SetStatus& s) { return s.members.empty(); }));
  EXPECT_FALSE(alive(pids[0]));
}

TEST_F(SupervisorTest, RollingReplacementNeverDropsBelowDesiredReady) {
  start();
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("1.0.0"), 2).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.settled(); }));
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("2.0.0"), 2).ok());
  int minReady = 99, maxLive = 0, observations = 0;
  std::set<std::string> seenIds;
  ASSERT_TRUE(waitFor("test/podinfo", [&](const SetStatus& s) {
    ++observations;
    minReady = std::min(minReady, s.ready);
    maxLive = std::max(maxLive, s.replicas);
    for (const auto& m : s.members) seenIds.insert(m.id);
    return s.settled() && s.revision == "rev-2.0.0";
  }));
  EXPECT_GE(minReady, 2) << "maxUnavailable 0";
  EXPECT_LE(maxLive, 3) << "maxSurge 1";
  EXPECT_EQ(seenIds.size(), 4u) << "two old and two new replicas, no extra";
  EXPECT_GT(observations, 3);
  SetStatus st = sup_->status("test/podinfo");
  EXPECT_EQ(st.observedRevision, "rev-2.0.0");
  EXPECT_TRUE(st.oldReadyEndpoints.empty());
  for (const auto& e : st.readyEndpoints) EXPECT_NE(body(e, "/version").find("2.0.0"), std::string::npos);
}

TEST_F(SupervisorTest, CrashedReplicaIsRestartedWithBackOff) {
  start();
  ProcessSpec s = child({"exit", "3"});
  s.readiness = ProbeSpec{};  // nothing listens: never ready, even in the moment between spawn and exit
  ASSERT_TRUE(sup_->apply("t/crash", s, 1).ok());
  auto begin = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitFor("t/crash", [](const SetStatus& s) { return s.restarts >= 3; }));
  auto took = std::chrono::steady_clock::now() - begin;
  // Back-off 50, 100, 200 ms before restarts 1..3: at least 350 ms, where a tight loop would take ~30 ms.
  EXPECT_GE(took, std::chrono::milliseconds(300));
  SetStatus st = sup_->status("t/crash");
  EXPECT_EQ(st.ready, 0);
  EXPECT_NE(st.lastStartError.find("exited with status 3: bye from test_child"), std::string::npos) << st.lastStartError;
}

TEST_F(SupervisorTest, KilledReplicaIsRestartedAndCountedNotReadyMeanwhile) {
  auto o = options();
  o.initialBackoff = std::chrono::milliseconds(300);
  start(o);
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("1.0.0"), 1).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.available == 1; }));
  int pid = sup_->status("test/podinfo").members[0].pid;
  ::kill(pid, SIGKILL);
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) {
    return s.ready == 0 && s.restarts == 0 && s.lastStartError.find("killed by signal") != std::string::npos;
  }));
  ASSERT_TRUE(waitFor("test/podinfo", [&](const SetStatus& s) {
    return s.available == 1 && s.restarts == 1 && s.members[0].pid != pid;
  }));
  EXPECT_EQ(sup_->status("test/podinfo").lastStartError, "") << "cleared once the replica is ready again";
}

TEST_F(SupervisorTest, LosingAReadyReplicaRestartsTheProgressClock) {
  // The progress deadline counts from when the set lost availability (Flagger: the Deployment's
  // Available condition turning False), not from when the lost replica became ready.
  auto o = options();
  o.initialBackoff = std::chrono::milliseconds(300);
  start(o);
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("1.0.0"), 1).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.available == 1; }));
  const auto readyAt = sup_->status("test/podinfo").lastProgress;
  const auto before = clock_.now();
  ASSERT_GT(before, readyAt);
  ::kill(sup_->status("test/podinfo").members[0].pid, SIGKILL);
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.ready == 0; }));
  EXPECT_GE(sup_->status("test/podinfo").lastProgress, before);
}

TEST_F(SupervisorTest, StartFailuresAreReportedNotFatal) {
  start();
  ProcessSpec missing = child({});
  missing.executable = "aviary-no-such-command";
  ProcessSpec absent = child({});
  absent.executable = dir_ + "/absent";
  std::ofstream(dir_ + "/plain") << "not a program\n";
  ProcessSpec notExec = child({});
  notExec.executable = dir_ + "/plain";
  ProcessSpec badDir = child({"env"});
  badDir.workingDir = dir_ + "/no-such-dir";
  ASSERT_TRUE(sup_->apply("t/missing", missing, 1).ok());
  ASSERT_TRUE(sup_->apply("t/absent", absent, 1).ok());
  ASSERT_TRUE(sup_->apply("t/notexec", notExec, 1).ok());
  ASSERT_TRUE(sup_->apply("t/baddir", badDir, 1).ok());
  auto errorHas = [&](const char* set, const std::string& text) {
    return waitFor(set, [&](const SetStatus& s) { return s.lastStartError.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(errorHas("t/missing", "exec: \"aviary-no-such-command\": executable file not found in $PATH"));
  EXPECT_TRUE(errorHas("t/absent", "fork/exec " + dir_ + "/absent: no such file or directory"));
  EXPECT_TRUE(errorHas("t/notexec", "permission denied"));
  EXPECT_TRUE(errorHas("t/baddir", "chdir " + dir_ + "/no-such-dir"));
  EXPECT_EQ(sup_->status("t/missing").members.at(0).state, ReplicaStatus::State::BackOff);
  // The others are undisturbed.
  ASSERT_TRUE(sup_->apply("t/fine", child({"env"}), 1).ok());
  EXPECT_TRUE(waitFor("t/fine", [](const SetStatus& s) { return s.available == 1; }));
  EXPECT_FALSE(sup_->apply("", child({}), 1).ok());
  EXPECT_FALSE(sup_->apply("t/neg", child({}), -1).ok());
}

TEST_F(SupervisorTest, PortTakenIsAClearError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  start();
  ProcessSpec s = podinfo("1.0.0");
  s.args = {"podinfo", "--port", port};
  ASSERT_TRUE(sup_->apply("test/podinfo", s, 1).ok());
  EXPECT_TRUE(waitFor("test/podinfo", [&](const SetStatus& st) {
    return st.lastStartError.find("127.0.0.1:" + port) != std::string::npos &&
           st.lastStartError.find("exited with status") != std::string::npos;
  })) << sup_->status("test/podinfo").lastStartError;
  EXPECT_EQ(sup_->status("test/podinfo").ready, 0);
  ::close(fd);
}

TEST_F(SupervisorTest, StopSendsSigtermThenSigkillToTheWholeGroup) {
  start();
  ProcessSpec s = child({"ignore-term"});
  s.grace = std::chrono::milliseconds(300);
  ProcessSpec g = child({"group"});
  ASSERT_TRUE(sup_->apply("t/stubborn", s, 1).ok());
  ASSERT_TRUE(sup_->apply("t/group", g, 1).ok());
  ASSERT_TRUE(waitFor("t/stubborn", [](const SetStatus& st) { return st.available == 1; }));
  ASSERT_TRUE(waitFor("t/group", [](const SetStatus& st) { return st.available == 1; }));
  SetStatus st = sup_->status("t/stubborn");
  ASSERT_TRUE(eventually([&] { return readFile(st.members[0].logPath).find("ignoring") != std::string::npos; }));
  SetStatus gs = sup_->status("t/group");
  std::string log;
  ASSERT_TRUE(eventually([&] { return (log = readFile(gs.members[0].logPath)).find("grandchild=") != std::string::npos; }));
  int grandchild = std::atoi(log.substr(log.find('=') + 1).c_str());
  ASSERT_TRUE(alive(grandchild));

  auto begin = std::chrono::steady_clock::now();
  sup_->remove("t/stubborn");
  sup_->remove("t/group");
  ASSERT_TRUE(waitFor("t/stubborn", [](const SetStatus& x) { return !x.exists; }));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds(280)) << "SIGKILL only after grace";
  EXPECT_FALSE(alive(st.members[0].pid));
  ASSERT_TRUE(waitFor("t/group", [](const SetStatus& x) { return !x.exists; }));
  EXPECT_TRUE(eventually([&] { return !alive(grandchild); })) << "the group's other processes are gone too";
}

}  // namespace
}  // namespace aviary::platform::local
