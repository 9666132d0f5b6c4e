#pragma once
// `aviary loadtester`: flagger-loadtester's HTTP API (flagger-integration.md §5) on a local
// address. Endpoints: /healthz, /metrics, the gates (/gate/*, /rollback/*) and the task handler
// on every other path. See docs/loadtester.md for status codes and where we differ from Flagger.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "common/duration.h"
#include "common/http_server.h"
#include "common/result.h"
#include "loadtester/allowlist.h"
#include "loadtester/gates.h"
#include "loadtester/loadtester_metrics.h"
#include "webhooks/payload.h"
#include "loadtester/task_runner.h"

namespace aviary::loadtester {

// Which hey a command that calls `hey` gets.
enum class HeyMode {
  Auto,      // an external `hey` on PATH if there is one, else the built-in one
  Builtin,   // always the built-in one (`aviary hey`)
  External,  // never substitute (the command fails if no hey is installed)
};
Result<HeyMode> parseHeyMode(const std::string& text);

struct LoadtesterOptions {
  std::string listenAddress = "127.0.0.1";
  uint16_t port = 8080;
  Duration timeout{std::chrono::hours(1)};  // every command; metadata.timeout may only shorten it
  std::string namespaceRegexp;              // Flagger's authorizer: unanchored match on payload.namespace
  std::string token;                        // when set: "Authorization: Bearer <token>" or ?token=
  std::vector<std::string> allowCmd;        // patterns matched word by word (allowlist.h)
  bool logCmdOutput = false;                // log every background command's output
  bool cmdShell = false;                    // type cmd runs `sh -c` as flagger-loadtester does
  size_t maxBodyBytes = 1 << 20;
  size_t maxTasks = 32;                     // commands running at once (bash and cmd); 429 beyond
  HeyMode heyMode = HeyMode::Auto;
  std::vector<std::string> builtinHey;      // argv prefix of the built-in hey; empty = none
};

class LoadtesterServer {
 public:
  // Checks every regexp (all problems reported at once), creates the hey shim, binds.
  static Result<std::unique_ptr<LoadtesterServer>> start(LoadtesterOptions options);
  ~LoadtesterServer();

  uint16_t port() const { return server_ ? server_->port() : 0; }
  std::string url() const { return server_ ? server_->url() : ""; }
  // Stops serving and kills every running command's process group. Idempotent.
  void stop();
  size_t runningTasks() const { return runner_.running(); }
  // Commands running now, background and in-request together (what --max-tasks bounds).
  size_t activeTasks() const { return active_.load(); }

  // The request router (also used by tests without a socket). Thread-safe.
  http::ServerResponse handle(const http::ServerRequest& req);

 private:
  explicit LoadtesterServer(LoadtesterOptions options);
  Status compile();
  bool authorized(const http::ServerRequest& req) const;
  http::ServerResponse route(const http::ServerRequest& req, std::string* endpoint);
  http::ServerResponse gate(const std::string& path, const webhooks::Payload& p);
  // task_handler.cpp
  http::ServerResponse runTask(const webhooks::Payload& p);
  http::ServerResponse reject(int status, const std::string& reason, const std::string& message);
  Result<ProcessSpec> buildSpec(const std::string& type, const std::string& cmd, Duration timeout) const;
  bool useBuiltinHey() const;
  void onBackgroundFinished(const BackgroundTask& task, const ProcessResult& r);
  // Takes one of the --max-tasks slots; false when all are taken.
  bool acquireTaskSlot();
  http::ServerResponse tooManyTasks();
  void releaseTaskSlot() { active_.fetch_sub(1); }

  LoadtesterOptions options_;
  LoadtesterMetrics metrics_;
  GateStore gates_;
  TaskRunner runner_;
  Allowlist allow_;
  std::atomic<size_t> active_{0};
  std::unique_ptr<RE2> namespaceRe_;
  bool externalHey_ = false;
  std::atomic<bool> stopping_{false};  // cancels blocking commands running inside requests
  std::string shimDir_;  // holds a `hey` script that runs the built-in hey (for shell commands)
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace aviary::loadtester
