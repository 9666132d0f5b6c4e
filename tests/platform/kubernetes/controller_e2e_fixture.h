#pragma once
// The fixture of the `aviary controller` end-to-end tests on `aviary sandbox` (the binaries, as
// a user runs them, driven with kubectl): the sandbox, a loopback stand-in for Prometheus whose
// success rate the test sets, and the controller as a child process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../../sandbox/run_command.h"
#include "common/http_client.h"
#include "common/http_server.h"

namespace aviary {

using nlohmann::json;
using sandbox::testing::BackgroundCommand;
using sandbox::testing::CommandResult;
using sandbox::testing::runCommand;

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ControllerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aviary-controller-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
    kc_ = dir_ + "/kubeconfig";
    // The Prometheus stand-in: `vector(1)` (the provider check) is 1, every other query the
    // current success rate.
    prom_ = std::move(
        http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& r) {
          std::string q = r.queryParam("query");
          if (q.empty() && r.body.find("query=") == 0) q = r.body;
          const std::string v = q.find("vector(1)") != std::string::npos ? "1" : std::to_string(rate_.load());
          json body = {
              {"status", "success"},
              {"data", {{"resultType", "vector"}, {"result", {{{"metric", json::object()}, {"value", {1.0, v}}}}}}}};
          return http::ServerResponse::json(200, body.dump());
        }).value());
    sandbox_ = std::make_unique<BackgroundCommand>(
        std::vector<std::string>{AVIARY_BINARY, "sandbox", "--kubeconfig", kc_, "--bookmark-interval", "1s"});
    const std::string line = sandbox_->readLine(std::chrono::seconds(20));
    ASSERT_NE(line.find("serving https://127.0.0.1:"), std::string::npos) << line;
  }
  void TearDown() override {
    controller_.reset();
    if (sandbox_) sandbox_->terminate();
    if (prom_) prom_->stop();
    std::filesystem::remove_all(dir_);
  }

  CommandResult kubectl(std::vector<std::string> args, const std::string& input = {}) {
    std::vector<std::string> argv{"kubectl", "--kubeconfig", kc_, "--cache-dir", dir_ + "/cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, input);
  }
  std::string get(const std::string& what, const std::string& jsonpath) {
    auto r = kubectl({"-n", "test", "get", what, "-o", "jsonpath={" + jsonpath + "}"});
    return r.exitCode == 0 ? r.out : "<" + r.err + ">";
  }
  json getJson(const std::string& what) {
    auto r = kubectl({"-n", "test", "get", what, "-o", "json"});
    EXPECT_EQ(r.exitCode, 0) << r.describe();
    return r.exitCode == 0 ? json::parse(r.out) : json();
  }
  // Polls the canary's phase (kubectl, every 100 ms) until `phase` or `timeout`.
  bool waitPhase(const std::string& phase, std::chrono::seconds timeout = std::chrono::seconds(25)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      last_ = get("canary/podinfo", ".status.phase");
      if (last_ == phase) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void startController(const std::vector<std::string>& extra = {"-mesh-provider", "kubernetes"}) {
    std::vector<std::string> argv{AVIARY_BINARY, "controller", "-kubeconfig",      kc_,          "--port", "0",
                                  "-time-scale", "0.02",       "-min-interval=1s", "-log-level", "info"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    controller_ = std::make_unique<BackgroundCommand>(argv);
    const std::string line = controller_->readLine(std::chrono::seconds(20));
    ASSERT_NE(line.find("aviary controller: watching all namespaces"), std::string::npos) << line;
    statusUrl_ = line.substr(line.find("http://"));
  }
  // aviary_kube_requests_total{kind=K} from the controller's /metrics.
  uint64_t apiRequests(const std::string& kind) {
    auto r = http::get(statusUrl_ + "/metrics");
    if (!r || r->status != 200) return UINT64_MAX;
    const std::string key = "aviary_kube_requests_total{kind=\"" + kind + "\"} ";
    auto at = r->body.find(key);
    return at == std::string::npos ? UINT64_MAX : std::stoull(r->body.substr(at + key.size()));
  }
  // Events of the canary: message → total count.
  std::map<std::string, int> events() {
    std::map<std::string, int> out;
    json list = getJson("events");
    for (const auto& e : list.value("items", json::array()))
      if (e["involvedObject"].value("kind", "") == "Canary") out[e.value("message", "")] += e.value("count", 1);
    return out;
  }

  std::string dir_, kc_, last_, statusUrl_;
  std::atomic<int> rate_{100};
  std::unique_ptr<http::HttpServer> prom_;
  std::unique_ptr<BackgroundCommand> sandbox_, controller_;
};

}  // namespace aviary
