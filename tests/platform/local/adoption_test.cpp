// Supervisor restarts: adoption of running replicas (Detach), refusal of reused pids, corrupt
// state, StopAll leaving nothing behind, and log rotation by copytruncate.
#include "platform/local/supervisor_state.h"
#include "supervisor_fixture.h"

namespace aviary::platform::local {
namespace {

TEST_F(SupervisorTest, ANewSupervisorAdoptsWhatStillRunsAndRestartsTheRest) {
  start();
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("3.1.0"), 2).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.settled(); }));
  SetStatus before = sup_->status("test/podinfo");
  sup_->shutdown(ShutdownMode::Detach);
  sup_.reset();
  for (const auto& m : before.members) ASSERT_TRUE(alive(m.pid)) << "Detach leaves replicas running";
  for (const auto& e : before.readyEndpoints) EXPECT_NE(body(e).find("3.1.0"), std::string::npos);

  // One replica dies while no supervisor runs.
  ::kill(before.members[1].pid, SIGKILL);
  ASSERT_TRUE(eventually([&] { return !alive(before.members[1].pid); }));

  start();
  SetStatus st = sup_->status("test/podinfo");
  ASSERT_TRUE(st.exists) << "the set comes back from the state file without apply()";
  ASSERT_GE(st.members.size(), 1u);
  EXPECT_EQ(st.members[0].pid, before.members[0].pid);
  EXPECT_TRUE(st.members[0].adopted);
  EXPECT_GE(st.ready, 1) << "an adopted replica keeps its readiness until a probe says otherwise";
  ASSERT_TRUE(waitFor("test/podinfo", [&](const SetStatus& s) {
    return s.available == 2 && s.members.size() == 2 && s.members[1].pid != before.members[1].pid &&
           s.members[1].pid != 0;
  }));
  EXPECT_EQ(sup_->status("test/podinfo").members[0].pid, before.members[0].pid);

  // Rolling the adopted set works like any other.
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("3.2.0"), 2).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.settled() && s.revision == "rev-3.2.0"; }));
  std::vector<int> pids;
  for (const auto& m : sup_->status("test/podinfo").members) pids.push_back(m.pid);
  EXPECT_TRUE(eventually([&] { return !alive(before.members[0].pid); }));

  sup_->shutdown(ShutdownMode::StopAll);
  for (int pid : pids) EXPECT_FALSE(alive(pid)) << pid;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/supervisor.json")) << "nothing left to adopt";
}

TEST_F(SupervisorTest, AReusedPidIsNeverAdopted) {
  // A state that names this very test process with another start time: a pid reused since.
  ProcessSpec spec = child({"env"});
  detail::Set set;
  set.spec = std::make_shared<const ProcessSpec>(spec);
  set.desired = 1;
  set.nextId = 1;
  detail::Replica r;
  r.id = "t.reused-0";
  r.revision = spec.revision;
  r.spec = set.spec;
  r.pid = ::getpid();
  r.startTime = detail::processStartTime(::getpid()).value() + 1;
  r.ready = true;
  r.logPath = dir_ + "/logs/t.reused-0.log";
  set.replicas.push_back(std::move(r));
  std::map<std::string, detail::Set> sets;
  sets.emplace("t/reused", std::move(set));
  std::filesystem::create_directories(dir_ + "/logs");
  ASSERT_TRUE(detail::writeFileAtomic(dir_ + "/supervisor.json", detail::encodeState(sets).dump()).ok());

  start();
  SetStatus st = sup_->status("t/reused");
  ASSERT_EQ(st.members.size(), 1u);
  EXPECT_NE(st.members[0].pid, ::getpid());
  EXPECT_FALSE(st.members[0].adopted);
  ASSERT_TRUE(waitFor("t/reused", [](const SetStatus& s) { return s.available == 1; }));
  EXPECT_NE(sup_->status("t/reused").members[0].pid, ::getpid());
}

TEST_F(SupervisorTest, ACorruptStateFileIsAnErrorNamingIt) {
  std::ofstream(dir_ + "/supervisor.json") << "{ not json";
  auto s = Supervisor::create(options());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find(dir_ + "/supervisor.json"), std::string::npos) << s.error().message;
  std::ofstream(dir_ + "/supervisor.json", std::ios::trunc) << R"({"version": 1, "sets": {"a": {"desired": "x"}}})";
  auto t = Supervisor::create(options());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("malformed state"), std::string::npos) << t.error().message;
}

TEST_F(SupervisorTest, StopAllLeavesNoProcessBehind) {
  start();
  ASSERT_TRUE(sup_->apply("test/podinfo", podinfo("1.0.0"), 2).ok());
  ASSERT_TRUE(sup_->apply("t/group", child({"group"}), 2).ok());
  ASSERT_TRUE(sup_->apply("t/crash", child({"exit", "1"}), 1).ok());
  ASSERT_TRUE(waitFor("test/podinfo", [](const SetStatus& s) { return s.available == 2; }));
  ASSERT_TRUE(waitFor("t/group", [](const SetStatus& s) { return s.available == 2; }));
  std::vector<int> pids;
  for (const auto& set : sup_->sets())
    for (const auto& m : sup_->status(set).members)
      if (m.pid > 0) pids.push_back(m.pid);
  for (const auto& m : sup_->status("t/group").members) {
    std::string log;
    ASSERT_TRUE(eventually([&] { return (log = readFile(m.logPath)).find("grandchild=") != std::string::npos; }));
    pids.push_back(std::atoi(log.substr(log.find('=') + 1).c_str()));
  }
  sup_->shutdown(ShutdownMode::StopAll);
  for (int pid : pids) EXPECT_TRUE(eventually([&] { return !alive(pid); })) << "pid " << pid << " outlived StopAll";
  EXPECT_FALSE(sup_->apply("t/late", child({"env"}), 1).ok()) << "apply after shutdown is refused";
}

TEST_F(SupervisorTest, LogsAreRotatedByCopyTruncateAndTheWriterGoesOn) {
  auto o = options();
  o.maxLogBytes = 5000;
  o.keepLogs = 2;
  o.logCheckInterval = std::chrono::milliseconds(20);
  start(o);
  ASSERT_TRUE(sup_->apply("t/chatty", child({"chatty", "400"}), 1).ok());
  ASSERT_TRUE(waitFor("t/chatty", [](const SetStatus& s) { return s.members.size() == 1 && s.members[0].pid > 0; }));
  const std::string log = sup_->status("t/chatty").members[0].logPath;
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(log + ".1"); }));
  // After a truncation the writer (O_APPEND) goes on at the start of the file: no hole of NULs.
  std::string text;
  ASSERT_TRUE(eventually([&] { return !(text = readFile(log)).empty(); }));
  EXPECT_NE(text[0], '\0');
  EXPECT_EQ(text.find('\0'), std::string::npos);
  ASSERT_TRUE(eventually([&] {
    return (readFile(log) + readFile(log + ".1") + readFile(log + ".2")).find("done") != std::string::npos;
  }));
  EXPECT_TRUE(std::filesystem::exists(log + ".2"));
  EXPECT_FALSE(std::filesystem::exists(log + ".3")) << "keepLogs 2";
  EXPECT_LT(std::filesystem::file_size(log), 40000u);
}

}  // namespace
}  // namespace aviary::platform::local
