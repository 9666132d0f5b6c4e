// One replica's life: start (port, environment, spawn), exit and back-off, readiness probes, stop.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "api/workload.h"
#include "common/http_client.h"
#include "platform/local/supervisor_impl.h"

extern char** environ;

namespace aviary::platform::local::detail {
namespace {

std::string exitText(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + ::strsignal(WTERMSIG(status));
  return "stopped";
}

bool probeOnce(const std::string& url, Duration timeout) {
  auto r = http::get(url, timeout);
  return r.ok() && r->status >= 200 && r->status < 400;
}

}  // namespace

SpawnRequest SupervisorImpl::spawnRequest(const ProcessSpec& spec, const std::string& logPath, uint16_t port) const {
  // Kubernetes' rules: an env value sees the variables defined before it, args see all of them.
  std::map<std::string, std::string, std::less<>> vars{{"PORT", std::to_string(port)}, {"VERSION", spec.version}};
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::vector<std::pair<std::string, std::string>> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  auto set = [&](const std::string& name, std::string value) {
    auto it = std::find_if(env.begin(), env.end(), [&](const auto& p) { return p.first == name; });
    if (it == env.end()) {
      env.emplace_back(name, std::move(value));
    } else {
      it->second = std::move(value);
    }
  };
  for (const auto& e : spec.env) {
    if (e.name == "PORT" || e.name == "VERSION") continue;  // the platform's values win
    std::string value = api::expandVars(e.value, lookup);
    vars[e.name] = value;
    set(e.name, std::move(value));
  }
  set("PORT", std::to_string(port));
  set("VERSION", spec.version);

  SpawnRequest r;
  r.executable = spec.executable;
  if (r.executable == api::kSelfCommand) {
    r.executable = options_.selfExe;
  } else if (r.executable.find('/') != std::string::npos) {
    r.executable = std::filesystem::absolute(r.executable).string();
  }
  r.argv.push_back(spec.executable == api::kSelfCommand ? "aviary" : spec.executable);
  for (const auto& a : spec.args) r.argv.push_back(api::expandVars(a, lookup));
  for (auto& [k, v] : env) r.environment.push_back(k + "=" + v);
  r.workingDir = spec.workingDir;
  r.logPath = logPath;
  return r;
}

void SupervisorImpl::startReplica(const std::string& setName, Set& set, Replica& r, TimePoint now) {
  auto fail = [&](const std::string& why) {
    set.lastError = "replica " + r.id + ": " + why;
    r.pid = 0;
    r.ready = false;
    r.backoff = r.backoff.count() == 0 ? options_.initialBackoff : std::min(r.backoff * 2, options_.maxBackoff);
    r.nextStart = now + r.backoff;
  };
  if (r.startedAt != TimePoint{} || r.restarts > 0) {
    ++r.restarts;
    ++set.restarts;
  }
  r.startedAt = now;
  r.adopted = false;
  auto port = pickFreePort();
  if (!port.ok()) return fail(port.error().message);
  auto pid = spawn(spawnRequest(*r.spec, r.logPath, port.value()));
  dirty_ = true;
  if (!pid.ok()) return fail(pid.error().message);
  r.pid = pid.value();
  r.startTime = processStartTime(r.pid).value_or(0);  // 0: it exited at once; the next poll sees it
  r.port = port.value();
  r.probeSuccesses = r.probeFailures = 0;
  r.ready = !r.spec->readiness;
  r.nextProbe = now + (r.spec->readiness ? r.spec->readiness->initialDelay : Duration{0});
  if (r.ready && r.revision == revisionOf(set)) set.lastProgress = now;
  (void)setName;
}

bool SupervisorImpl::exited(Replica& r, std::string& how) {
  int status = 0;
  pid_t w = ::waitpid(r.pid, &status, WNOHANG);
  if (w == r.pid) {
    how = exitText(status);
    return true;
  }
  if (w == 0) return false;  // our child, still running
  // Not our child (adopted): the pid must still name the process with the recorded start time.
  auto start = processStartTime(r.pid);
  if (start && *start == r.startTime) return false;
  how = "exited (adopted process, status unknown)";
  return true;
}

void SupervisorImpl::beginStop(Replica& r, TimePoint now) {
  r.terminating = true;
  r.ready = false;
  dirty_ = true;
  if (!r.running()) return;
  const Duration grace = r.spec ? r.spec->grace : Duration{std::chrono::seconds(30)};
  signalGroup(r.pid, grace.count() > 0 ? SIGTERM : SIGKILL);
  r.killed = grace.count() <= 0;
  r.killAt = now + grace;
}

void SupervisorImpl::handleProbeResult(Set& set, Replica& r, bool ok, TimePoint now) {
  const ProbeSpec& p = *r.spec->readiness;
  if (ok) {
    ++r.probeSuccesses;
    r.probeFailures = 0;
    if (!r.ready && r.probeSuccesses >= p.successThreshold) {
      r.ready = true;
      dirty_ = true;
      if (r.revision == revisionOf(set)) {
        set.lastProgress = now;
        set.lastError.clear();
      }
    }
  } else {
    ++r.probeFailures;
    r.probeSuccesses = 0;
    if (r.ready && r.probeFailures >= p.failureThreshold) {
      r.ready = false;
      dirty_ = true;
      if (r.revision == revisionOf(set)) set.lastProgress = now;  // lost availability: see below
    }
  }
}

bool SupervisorImpl::pollReplica(const std::string& setName, Set& set, Replica& r, TimePoint now) {
  if (r.probe.valid() && r.probe.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    bool ok = r.probe.get();
    if (r.running() && !r.terminating && r.spec && r.spec->readiness) handleProbeResult(set, r, ok, now);
  }
  if (r.terminating) {
    std::string how;
    if (!r.running() || exited(r, how)) {
      if (r.running()) signalGroup(r.pid, SIGKILL);  // whatever the leader left behind
      if (r.revision != revisionOf(set)) set.lastProgress = now;
      if (r.probe.valid()) draining_.push_back(std::move(r.probe));
      dirty_ = true;
      return false;
    }
    if (!r.killed && now >= r.killAt) {
      signalGroup(r.pid, SIGKILL);
      r.killed = true;
    }
    return true;
  }
  if (!r.running()) {
    if (now >= r.nextStart) {
      // A spec applied again with the same revision (e.g. another grace period) is used from the
      // next start on.
      if (set.spec && r.revision == set.spec->revision) r.spec = set.spec;
      if (!r.spec) return false;  // an adopted replica of a forgotten revision: the roll replaces it
      startReplica(setName, set, r, now);
    }
    return true;
  }
  std::string how;
  if (exited(r, how)) {
    signalGroup(r.pid, SIGKILL);
    std::string line = lastLine(r.logPath);
    set.lastError = "replica " + r.id + " " + how + (line.empty() ? "" : ": " + line);
    if (r.probe.valid()) draining_.push_back(std::move(r.probe));
    // A ready replica of the current revision lost: the progress deadline counts from now, as
    // Flagger counts it from the Deployment's Available condition turning False. Measured from the
    // replica's readiness instead, one crash of a replica that had run longer than
    // progressDeadlineSeconds failed the canary at once, before the restart could help.
    if (r.ready && r.revision == revisionOf(set)) set.lastProgress = now;
    const bool ranLong = now - r.startedAt >= options_.backoffReset;
    r.backoff = (ranLong || r.backoff.count() == 0) ? options_.initialBackoff : std::min(r.backoff * 2, options_.maxBackoff);
    r.nextStart = now + r.backoff;
    r.pid = 0;
    r.ready = false;
    dirty_ = true;
    return r.spec != nullptr;
  }
  if (r.spec && r.spec->readiness && !r.probe.valid() && now >= r.nextProbe) {
    const ProbeSpec& p = *r.spec->readiness;
    r.nextProbe = now + p.period;
    std::string url = "http://127.0.0.1:" + std::to_string(r.port) + p.path;
    r.probe = std::async(std::launch::async, probeOnce, std::move(url), p.timeout);
  }
  return true;
}

}  // namespace aviary::platform::local::detail
