#pragma once
// Shared by the supervisor tests: a fresh state directory per test, specs for `aviary podinfo`
// and the test_child program, and a bounded wait on the supervisor's status (polls every 10 ms;
// fails the test with the last status when the deadline passes).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "common/http_client.h"
#include "platform/local/process.h"
#include "platform/local/supervisor.h"

namespace aviary::platform::local {

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aviary-supervisor-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    sup_.reset();  // StopAll
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Supervisor::Options options() {
    Supervisor::Options o;
    o.stateDir = dir_;
    o.clock = &clock_;
    o.tick = std::chrono::milliseconds(10);
    o.initialBackoff = std::chrono::milliseconds(50);
    o.maxBackoff = std::chrono::milliseconds(200);
    // AVIARY_TEST_BINARY runs another build's aviary (e.g. the release one under a sanitizer build).
    const char* self = std::getenv("AVIARY_TEST_BINARY");
    o.selfExe = self && *self ? self : AVIARY_BINARY;
    return o;
  }
  void start(Supervisor::Options o) {
    auto s = Supervisor::create(std::move(o));
    ASSERT_TRUE(s.ok()) << s.error().format();
    sup_ = std::move(s.value());
  }
  void start() { start(options()); }

  static ProcessSpec podinfo(const std::string& version) {
    ProcessSpec s;
    s.executable = "aviary";
    s.args = {"podinfo", "--port", "$(PORT)", "--version", "$(VERSION)"};
    s.version = version;
    ProbeSpec p;
    p.path = "/readyz";
    p.period = std::chrono::milliseconds(50);
    p.timeout = std::chrono::milliseconds(500);
    s.readiness = p;
    s.grace = std::chrono::seconds(5);
    s.revision = "rev-" + version;
    return s;
  }
  static ProcessSpec child(std::vector<std::string> args, const std::string& revision = "c1") {
    ProcessSpec s;
    s.executable = TEST_CHILD_BINARY;
    s.args = std::move(args);
    s.grace = std::chrono::seconds(5);
    s.revision = revision;
    return s;
  }

  // Waits until `pred(status(set))` holds; false (with the last status printed) after `limit`.
  bool waitFor(const std::string& set, const std::function<bool(const SetStatus&)>& pred,
               std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    SetStatus st;
    while (std::chrono::steady_clock::now() < deadline) {
      st = sup_->status(set);
      if (pred(st)) return true;
      usleep(10000);
    }
    ADD_FAILURE() << "timed out on set " << set << ": replicas=" << st.replicas << " ready=" << st.ready
                  << " available=" << st.available << " restarts=" << st.restarts << " error=" << st.lastStartError;
    return false;
  }
  // Bounded wait for a predicate on the outside world (a file's content, a pid's end).
  static bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      usleep(10000);
    }
    return pred();
  }
  static bool alive(int pid) { return detail::processStartTime(pid).has_value(); }
  static std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::string body(const Endpoint& e, const std::string& path = "/") {
    auto r = http::get("http://" + e.address + path, std::chrono::seconds(5));
    return r.ok() ? r->body : "error: " + r.error().message;
  }

  SystemClock clock_;
  std::string dir_;
  std::unique_ptr<Supervisor> sup_;
};

}  // namespace aviary::platform::local
