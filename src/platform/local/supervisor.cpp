// The supervisor's public methods, its background loop, the state file and shutdown. The loop
// polls rather than waiting on SIGCHLD: a process-wide signal handler would steal the exits of
// other components' children (the load tester's commands), and waitpid on our own pids every tick
// (50 ms by default) costs microseconds.
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/local/supervisor_impl.h"

namespace aviary::platform::local {

const char* toString(ReplicaStatus::State s) {
  switch (s) {
    case ReplicaStatus::State::Starting:
      return "Starting";
    case ReplicaStatus::State::Ready:
      return "Ready";
    case ReplicaStatus::State::NotReady:
      return "NotReady";
    case ReplicaStatus::State::BackOff:
      return "BackOff";
    case ReplicaStatus::State::Terminating:
      return "Terminating";
  }
  return "Unknown";
}

Result<std::unique_ptr<Supervisor>> Supervisor::create(Options options) {
  if (options.stateDir.empty()) return makeError(ErrorCode::Invalid, "supervisor: stateDir is required");
  if (options.clock == nullptr) return makeError(ErrorCode::Invalid, "supervisor: clock is required");
  if (options.selfExe.empty()) {
    char self[PATH_MAX] = {};
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) options.selfExe.assign(self, static_cast<size_t>(n));
  }
  auto impl = std::make_unique<detail::SupervisorImpl>(std::move(options));
  if (auto s = impl->init(); !s.ok()) return s.error();
  return std::unique_ptr<Supervisor>(std::move(impl));
}

namespace detail {
namespace {

namespace fs = std::filesystem;

// A set name as a file name component: "test/podinfo-primary" -> "test.podinfo-primary".
std::string slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += keep ? c : (c == '/' ? '.' : '_');
  }
  return out;
}

Status checkSpec(const std::string& set, const ProcessSpec& spec, int replicas) {
  std::vector<std::string> problems;
  if (set.empty()) problems.push_back("set: expected a name, found nothing");
  if (spec.executable.empty()) problems.push_back("executable: expected a command, found nothing");
  if (replicas < 0) problems.push_back("replicas: expected at least 0, found " + std::to_string(replicas));
  if (spec.grace.count() < 0) problems.push_back("grace: expected at least 0s, found " + formatDuration(spec.grace));
  if (spec.readiness) {
    const ProbeSpec& p = *spec.readiness;
    if (p.period.count() <= 0) problems.push_back("readiness.period: expected more than 0s, found " + formatDuration(p.period));
    if (p.timeout.count() <= 0) problems.push_back("readiness.timeout: expected more than 0s, found " + formatDuration(p.timeout));
    if (p.failureThreshold < 1 || p.successThreshold < 1)
      problems.push_back("readiness thresholds: expected at least 1, found " + std::to_string(p.failureThreshold) +
                         " and " + std::to_string(p.successThreshold));
    if (p.path.empty() || p.path[0] != '/') problems.push_back("readiness.path: expected a path starting with '/', found \"" + p.path + "\"");
  }
  if (problems.empty()) return okStatus();
  std::string msg = "supervisor: set \"" + set + "\": ";
  for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
  return makeError(ErrorCode::Invalid, msg);
}

}  // namespace

SupervisorImpl::SupervisorImpl(Options options)
    : options_(std::move(options)),
      statePath_((fs::path(options_.stateDir) / "supervisor.json").string()),
      logDir_((fs::path(options_.stateDir) / "logs").string()) {}

SupervisorImpl::~SupervisorImpl() {
  shutdown(ShutdownMode::StopAll);
}

Status SupervisorImpl::init() {
  std::error_code ec;
  fs::create_directories(logDir_, ec);
  if (ec) return makeError(ErrorCode::Io, "supervisor: cannot create " + logDir_ + ": " + ec.message());
  if (fs::exists(statePath_, ec)) {
    std::ifstream in(statePath_);
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded()) return makeError(ErrorCode::Invalid, "supervisor: " + statePath_ + ": not valid JSON");
    auto sets = decodeState(json);
    if (!sets.ok()) return makeError(ErrorCode::Invalid, "supervisor: " + statePath_ + ": " + sets.error().message);
    std::lock_guard lock(mu_);
    sets_ = std::move(sets.value());
    adopt(options_.clock->now());
  }
  thread_ = std::thread([this] { loop(); });
  return okStatus();
}

void SupervisorImpl::adopt(TimePoint now) {
  for (auto& [name, set] : sets_) {
    std::vector<Replica> kept;
    for (auto& r : set.replicas) {
      auto start = processStartTime(r.pid);
      const bool alive = r.pid > 0 && start && *start == r.startTime;
      r.startedAt = now;
      r.nextProbe = now;
      if (alive) {
        r.adopted = true;  // keeps its persisted readiness until the first probe says otherwise
        if (r.terminating) {
          r.terminating = false;
          beginStop(r, now);
        }
        kept.push_back(std::move(r));
      } else if (r.spec && !r.terminating) {
        r.pid = 0;  // restarted by the next tick
        r.ready = false;
        r.nextStart = now;
        kept.push_back(std::move(r));
      }
    }
    set.replicas = std::move(kept);
  }
  dirty_ = true;
}

Status SupervisorImpl::apply(const std::string& name, const ProcessSpec& spec, int replicas) {
  if (auto s = checkSpec(name, spec, replicas); !s.ok()) return s;
  std::lock_guard lock(mu_);
  if (shutDown_ || stopping_) return makeError(ErrorCode::Invalid, "supervisor: apply after shutdown");
  Set& set = sets_[name];
  if (!set.spec || set.spec->revision != spec.revision) set.lastProgress = options_.clock->now();
  set.spec = std::make_shared<const ProcessSpec>(spec);
  set.desired = replicas;
  set.removing = false;
  dirty_ = true;
  wake_.notify_all();
  return okStatus();
}

Status SupervisorImpl::scale(const std::string& name, int from, int to) {
  if (to < 0) return makeError(ErrorCode::Invalid, "supervisor: replicas < 0");
  std::lock_guard lock(mu_);
  if (shutDown_ || stopping_) return makeError(ErrorCode::Invalid, "supervisor: scale after shutdown");
  auto it = sets_.find(name);
  if (it == sets_.end() || it->second.removing || !it->second.spec)
    return makeError(ErrorCode::NotFound, "supervisor: no replica set " + name);
  if (it->second.desired != from)
    return makeError(ErrorCode::Conflict, "supervisor: set " + name + " has " + std::to_string(it->second.desired) +
                                              " desired replicas, not " + std::to_string(from));
  it->second.desired = to;
  dirty_ = true;
  wake_.notify_all();
  return okStatus();
}

SetStatus SupervisorImpl::status(const std::string& name) const {
  std::lock_guard lock(mu_);
  SetStatus st;
  auto it = sets_.find(name);
  if (it == sets_.end()) return st;
  const Set& set = it->second;
  st.exists = true;
  st.revision = revisionOf(set);
  st.observedRevision = set.observedRevision;
  st.desired = set.removing ? 0 : set.desired;
  st.restarts = set.restarts;
  st.lastStartError = set.lastError;
  st.lastProgress = set.lastProgress;
  for (const auto& r : set.replicas) {
    const bool current = r.revision == st.revision;
    if (!r.terminating) {
      ++st.replicas;
      st.updated += current;
      st.ready += r.ready;
      st.available += r.ready && current;
      if (r.ready)
        (current ? st.readyEndpoints : st.oldReadyEndpoints)
            .push_back(Endpoint{"127.0.0.1:" + std::to_string(r.port), r.port, r.revision, r.id});
    }
    ReplicaStatus rs{r.id, r.pid, r.port, r.revision, ReplicaStatus::State::Starting, r.restarts, r.adopted, r.logPath};
    if (r.terminating) {
      rs.state = ReplicaStatus::State::Terminating;
    } else if (!r.running()) {
      rs.state = ReplicaStatus::State::BackOff;
    } else if (r.ready) {
      rs.state = ReplicaStatus::State::Ready;
    } else if (r.probeFailures > 0 || r.probeSuccesses > 0) {
      rs.state = ReplicaStatus::State::NotReady;
    }
    st.members.push_back(std::move(rs));
  }
  return st;
}

std::vector<std::string> SupervisorImpl::sets() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, set] : sets_) out.push_back(name);
  return out;
}

void SupervisorImpl::remove(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = sets_.find(name);
  if (it == sets_.end()) return;
  it->second.removing = true;
  dirty_ = true;
  wake_.notify_all();
}

void SupervisorImpl::tick(TimePoint now) {
  for (auto it = sets_.begin(); it != sets_.end();) {
    const std::string& name = it->first;
    Set& set = it->second;
    std::vector<Replica> kept;
    for (auto& r : set.replicas)
      if (pollReplica(name, set, r, now)) kept.push_back(std::move(r));
    set.replicas = std::move(kept);
    RollPlan plan = planRoll(set);
    for (size_t i : plan.stop) beginStop(set.replicas[i], now);
    for (int i = 0; i < plan.start; ++i) {
      Replica r;
      r.id = slug(name) + "-" + std::to_string(set.nextId++);
      r.revision = set.spec->revision;
      r.spec = set.spec;
      r.logPath = (fs::path(logDir_) / (r.id + ".log")).string();
      startReplica(name, set, r, now);
      set.replicas.push_back(std::move(r));
    }
    if (set.removing && set.replicas.empty()) {
      it = sets_.erase(it);
      dirty_ = true;
      continue;
    }
    // Settled as SetStatus::settled() says: the live replicas are `desired` ready ones of the
    // current revision (old ones may still be terminating).
    int live = 0;
    bool settled = !set.removing && set.spec;
    for (const auto& r : set.replicas) {
      if (r.terminating) continue;
      ++live;
      settled = settled && r.ready && r.revision == set.spec->revision;
    }
    if (settled && live == set.desired && set.observedRevision != set.spec->revision) {
      set.observedRevision = set.spec->revision;
      dirty_ = true;
    }
    ++it;
  }
  if (now - lastRotation_ >= options_.logCheckInterval) {
    lastRotation_ = now;
    for (auto& [name, set] : sets_)
      for (auto& r : set.replicas)
        if (!r.logPath.empty()) rotateIfLarger(r.logPath, options_.maxLogBytes, options_.keepLogs);
  }
  drainProbes(false);
}

void SupervisorImpl::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    tick(options_.clock->now());
    if (dirty_) {
      dirty_ = false;
      std::string state = snapshotState();
      lock.unlock();  // only this thread writes the file, so order is kept without the lock
      writeState(state);
      lock.lock();
      if (stopping_) break;
    }
    wake_.wait_for(lock, options_.tick);
  }
}

std::string SupervisorImpl::snapshotState() const {
  return encodeState(sets_).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

void SupervisorImpl::writeState(const std::string& content) {
  if (auto s = writeFileAtomic(statePath_, content); !s.ok()) {
    std::lock_guard lock(mu_);
    for (auto& [name, set] : sets_) set.lastError = "state not saved: " + s.error().message;
  }
}

void SupervisorImpl::drainProbes(bool wait) {
  std::erase_if(draining_, [&](std::future<bool>& f) {
    return wait || f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });  // a future from std::async joins its thread when destroyed
}

void SupervisorImpl::stopAll() {
  std::unique_lock lock(mu_);
  TimePoint now = options_.clock->now();
  for (auto& [name, set] : sets_) {
    set.removing = true;
    for (auto& r : set.replicas)
      if (!r.terminating) beginStop(r, now);
  }
  // Bounded: every group gets SIGKILL at its grace deadline; a process that survives even that
  // (uninterruptible sleep) is given up on 5 s later rather than blocking shutdown forever.
  TimePoint giveUp{};
  for (auto& [name, set] : sets_)
    for (auto& r : set.replicas) giveUp = std::max(giveUp, r.killAt + std::chrono::seconds(5));
  while (true) {
    now = options_.clock->now();
    bool left = false;
    for (auto& [name, set] : sets_) {
      std::vector<Replica> kept;
      for (auto& r : set.replicas)
        if (pollReplica(name, set, r, now)) kept.push_back(std::move(r));
      set.replicas = std::move(kept);
      left = left || !set.replicas.empty();
    }
    if (!left || now >= giveUp) break;
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lock.lock();
  }
  for (auto& [name, set] : sets_)
    for (auto& r : set.replicas)
      if (r.probe.valid()) draining_.push_back(std::move(r.probe));
  sets_.clear();
}

void SupervisorImpl::shutdown(ShutdownMode mode) {
  {
    std::lock_guard lock(mu_);
    if (shutDown_) return;
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (mode == ShutdownMode::StopAll) {
    stopAll();
    std::error_code ec;
    fs::remove(statePath_, ec);  // nothing is left to adopt
  } else {
    std::string state;
    {
      std::lock_guard lock(mu_);
      for (auto& [name, set] : sets_)
        for (auto& r : set.replicas)
          if (r.probe.valid()) draining_.push_back(std::move(r.probe));
      state = snapshotState();
    }
    writeState(state);
  }
  std::lock_guard lock(mu_);
  drainProbes(true);
  shutDown_ = true;
}

}  // namespace detail
}  // namespace aviary::platform::local
