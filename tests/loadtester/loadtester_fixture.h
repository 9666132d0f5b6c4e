#pragma once
// Shared helpers for the load tester tests: a server on 127.0.0.1:0, POST helpers, temp dirs and
// bounded polling (no sleeps that "wait for" things).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "common/http_client.h"
#include "loadtester/server.h"

namespace aviary::loadtester::testing {

// Polls `cond` every 10 ms until it holds or `limit` passes; returns the final value.
inline bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// True when the process no longer exists (or is a zombie nobody has reaped yet).
inline bool processGone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/aviary-lt-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string payload(const std::string& metadataJson, const std::string& name = "podinfo",
                           const std::string& ns = "test") {
  std::string p = R"({"name":")" + name + R"(","namespace":")" + ns + R"(","phase":"Progressing","checksum":"abc")";
  if (!metadataJson.empty()) p += R"(,"metadata":)" + metadataJson;
  return p + "}";
}

class ServerHarness {
 public:
  explicit ServerHarness(LoadtesterOptions options = {}) {
    options.port = 0;
    auto s = LoadtesterServer::start(std::move(options));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().format());
    if (s.ok()) server_ = std::move(*s);
  }
  LoadtesterServer& server() { return *server_; }

  http::Response post(const std::string& path, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request req;
    req.method = "POST";
    req.url = server_->url() + path;
    req.body = body;
    req.headers = std::move(headers);
    req.headers.emplace_back("Content-Type", "application/json");
    req.timeout = std::chrono::seconds(30);
    auto r = http::perform(req);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? *r : http::Response{};
  }
  http::Response get(const std::string& path) {
    auto r = http::get(server_->url() + path);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().format());
    return r.ok() ? *r : http::Response{};
  }

 private:
  std::unique_ptr<LoadtesterServer> server_;
};

}  // namespace aviary::loadtester::testing
