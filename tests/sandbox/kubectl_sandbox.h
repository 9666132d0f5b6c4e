#pragma once
// Test helper: one in-process sandbox (HTTPS with its generated CA, a token) and kubectl run
// against it with a kubeconfig and a private discovery cache in a temporary directory, removed
// at destruction. Shared by the kubectl tests of the sandbox and of the deployment files.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "run_command.h"
#include "sandbox/api_server.h"

namespace aviary::sandbox::testing {

class KubectlSandbox {
 public:
  // `tune` may change the server's options before it starts. Check ok() before use.
  explicit KubectlSandbox(const std::string& token, void (*tune)(ApiServerOptions&) = nullptr) : random_(42) {
    char tmpl[] = "/tmp/aviary-kubectl-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ApiServerOptions o;
    o.tls = true;  // kubectl over HTTPS with the generated CA, and a token it must send
    o.token = token;
    if (tune) tune(o);
    auto s = ApiServer::start(o, clock_, random_);
    if (!s.ok()) {
      error_ = s.error().format();
      return;
    }
    server_ = std::move(s.value());
    std::ofstream(dir_ + "/kubeconfig") << kubeconfigFor(server_->url(), o.token, "sandbox", server_->caCertPem());
  }
  ~KubectlSandbox() {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool ok() const { return server_ != nullptr; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  ApiServer& server() { return *server_; }

  CommandResult kubectl(std::vector<std::string> args, const std::string& input = {}) const {
    std::vector<std::string> argv = {"kubectl", "--kubeconfig", dir_ + "/kubeconfig", "--cache-dir", dir_ + "/cache",
                                     "--request-timeout", "15s"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, input, std::chrono::seconds(30));
  }
  // kubectl ARGS -o json, parsed (a discarded value when kubectl failed, which is also reported).
  nlohmann::json getJson(std::vector<std::string> args) const {
    args.insert(args.end(), {"-o", "json"});
    auto r = kubectl(args);
    EXPECT_EQ(r.exitCode, 0) << r.describe();
    return nlohmann::json::parse(r.out, nullptr, false);
  }

 private:
  std::string dir_;
  SystemClock clock_;
  SeededRandom random_;
  std::unique_ptr<ApiServer> server_;
  std::string error_;
};

}  // namespace aviary::sandbox::testing
