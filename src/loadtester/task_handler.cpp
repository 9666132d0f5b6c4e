// The task endpoint of LoadtesterServer (flagger-integration.md §5.3): decode the task, check the
// allowlist, then run it in the request (bash, helm, kubectl) or in the background (cmd).
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "loadtester/command_line.h"
#include "loadtester/server.h"

namespace aviary::loadtester {
namespace {

bool parseGoBool(const std::string& v) {
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

std::string getOr(const std::map<std::string, std::string>& m, const std::string& k, const std::string& def = "") {
  auto it = m.find(k);
  return it == m.end() ? def : it->second;
}

bool isBlocking(const std::string& type) { return type == "bash" || type == "helm" || type == "helmv3" || type == "kubectl"; }

}  // namespace

bool LoadtesterServer::useBuiltinHey() const {
  if (options_.builtinHey.empty()) return false;
  return options_.heyMode == HeyMode::Builtin || (options_.heyMode == HeyMode::Auto && !externalHey_);
}

Result<ProcessSpec> LoadtesterServer::buildSpec(const std::string& type, const std::string& cmd, Duration timeout) const {
  ProcessSpec spec;
  spec.timeout = timeout;
  bool shell = false;
  if (type == "bash") {
    spec.argv = {"bash", "-c", cmd};
    shell = true;
  } else if (type == "helm" || type == "helmv3" || type == "kubectl") {
    spec.argv = splitFields(cmd);
    spec.argv.insert(spec.argv.begin(), type == "kubectl" ? "kubectl" : "helm");
  } else if (options_.cmdShell) {
    spec.argv = {"sh", "-c", cmd};
    shell = true;
  } else {
    auto argv = splitCommandLine(cmd);
    if (!argv) return argv.error();
    spec.argv = std::move(*argv);
  }
  if (useBuiltinHey()) {
    if (shell) {
      // The shell finds our `hey` shim first.
      const char* path = std::getenv("PATH");
      spec.env.push_back("PATH=" + shimDir_ + ":" + (path ? path : "/usr/bin:/bin"));
    } else if (spec.argv[0] == "hey") {
      spec.argv.erase(spec.argv.begin());
      spec.argv.insert(spec.argv.begin(), options_.builtinHey.begin(), options_.builtinHey.end());
    }
  }
  return spec;
}

http::ServerResponse LoadtesterServer::runTask(const webhooks::Payload& p) {
  if (p.metadata.empty()) return reject(400, "payload", "metadata not found in payload\n");
  std::string type = getOr(p.metadata, "type", "cmd");
  if (type.empty()) type = "cmd";
  if (type == "concord" || type == "ngrinder") {
    return reject(400, "type", "task type " + type + " is not supported by aviary loadtester\n");
  }
  if (type != "cmd" && !isBlocking(type)) return reject(400, "type", "unknown task type " + type + "\n");
  std::string cmd = getOr(p.metadata, "cmd");
  if (cmd.find_first_not_of(" \t\r\n") == std::string::npos) return reject(400, "payload", "cmd not found in metadata\n");
  bool returnOutput = parseGoBool(getOr(p.metadata, "returnCmdOutput"));
  Duration timeout = options_.timeout;
  if (auto t = getOr(p.metadata, "timeout"); !t.empty()) {
    auto d = parseDuration(t);
    if (!d || d->count() <= 0) {
      return reject(400, "payload", "metadata.timeout: expected a positive Go duration such as 30s, found \"" + t + "\"\n");
    }
    timeout = std::min(timeout, *d);
  }
  if (!allow_.empty()) {
    const CommandSyntax syntax = type == "bash" || (type == "cmd" && options_.cmdShell) ? CommandSyntax::Shell
                                 : type == "cmd"                                      ? CommandSyntax::Argv
                                                                                      : CommandSyntax::Fields;
    if (!allow_.allows(cmd, syntax)) {
      return reject(403, "allowlist",
                    "command not allowed: it matches no --allow-cmd pattern word by word (docs/loadtester.md): " +
                        cmd + "\n");
    }
  }
  auto spec = buildSpec(type, cmd, timeout);
  if (!spec) return reject(400, "payload", spec.error().message + "\n");

  if (isBlocking(type)) {
    if (!acquireTaskSlot()) return tooManyTasks();
    metrics_.taskStarted(type);
    spdlog::info("{} task {} starting: {}", type, gateKey(p), cmd);
    ProcessResult r = runProcess(*spec, &stopping_);
    releaseTaskSlot();
    metrics_.taskFinished(type, r.ok(), std::chrono::duration<double>(r.elapsed).count());
    spdlog::info("{} task {} output: {}", type, gateKey(p), r.output);
    if (!r.ok()) {
      spdlog::warn("command {} failed: {}", cmd, r.describe());
      return http::ServerResponse::text(500, "command " + cmd + " failed: " + r.output + ": " + r.describe());
    }
    return http::ServerResponse::text(200, returnOutput ? r.output : "");
  }

  BackgroundTask task;
  task.key = gateKey(p) + cmd;
  task.type = type;
  task.cmd = cmd;
  task.spec = std::move(*spec);
  task.logOutput = options_.logCmdOutput || getOr(p.metadata, "logCmdOutput") == "true";
  auto res = http::ServerResponse::text(202, "");
  // The dedupe answer first: a task already running is skipped, not refused, even at the cap.
  const bool duplicate = runner_.isRunning(task.key);
  if (!duplicate && !acquireTaskSlot()) return tooManyTasks();
  if (runner_.submit(std::move(task)) == TaskRunner::Submitted::AlreadyRunning) {
    if (!duplicate) releaseTaskSlot();  // it started meanwhile (or the runner is stopping)
    metrics_.taskSkipped(type);
    spdlog::info("command skipped {} is already running", cmd);
    res.headers.emplace_back("X-Aviary-Task", "skipped");
  } else {
    if (duplicate) active_.fetch_add(1);  // the one seen running ended meanwhile: count this one
    metrics_.taskStarted(type);
    spdlog::info("command starting {}", cmd);
    res.headers.emplace_back("X-Aviary-Task", "started");
  }
  return res;
}

bool LoadtesterServer::acquireTaskSlot() {
  size_t n = active_.load();
  do {
    if (n >= options_.maxTasks) return false;
  } while (!active_.compare_exchange_weak(n, n + 1));
  return true;
}

http::ServerResponse LoadtesterServer::tooManyTasks() {
  auto r = reject(429, "tasks",
                  "too many tasks: " + std::to_string(options_.maxTasks) + " commands are running (--max-tasks)\n");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

void LoadtesterServer::onBackgroundFinished(const BackgroundTask& t, const ProcessResult& r) {
  releaseTaskSlot();
  metrics_.taskFinished(t.type, r.ok(), std::chrono::duration<double>(r.elapsed).count());
  if (t.logOutput) spdlog::info("command {} output: {}", t.cmd, r.output);
  if (r.ok()) {
    spdlog::info("command finished {}", t.cmd);
  } else {
    spdlog::warn("command {} failed: {}: {}", t.cmd, r.output, r.describe());
  }
}

}  // namespace aviary::loadtester
