#include "loadtester/reaper.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace aviary::loadtester {

using SteadyClock = std::chrono::steady_clock;

struct ProcessReaper::Child {
  ProcessSpec spec;
  OnExit onExit;
  ProcessResult result;
  SteadyClock::time_point started;
  SteadyClock::time_point deadline;
  int pid = -1;
  int outFd = -1;   // -1 once at EOF
  int pidFd = -1;   // -1 when pidfd_open is unavailable: the leader is polled with waitid instead
  bool leaderExited = false;
  bool killed = false;
};

namespace {

// Tags in epoll data: the pid in the low 32 bits, which fd in the high bit.
constexpr uint64_t kPidFdTag = 1ull << 32;
constexpr uint64_t kWakeTag = 1ull << 33;

int pidfdOpen(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

bool leaderHasExited(int pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

}  // namespace

ProcessReaper::ProcessReaper() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_ < 0 || wakeFd_ < 0) {
    error_ = std::string("cannot create the process reaper's epoll set: ") + std::strerror(errno);
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wakeFd_, &ev);
  thread_ = std::thread([this] { loop(); });
}

ProcessReaper::~ProcessReaper() {
  shutdown();
  if (epoll_ >= 0) ::close(epoll_);
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

void ProcessReaper::wake() {
  uint64_t one = 1;
  (void)!::write(wakeFd_, &one, sizeof one);
}

size_t ProcessReaper::running() const {
  std::lock_guard lock(mu_);
  return children_.size();
}

void ProcessReaper::start(const ProcessSpec& spec, OnExit onExit) {
  auto c = std::make_unique<Child>();
  c->spec = spec;
  c->started = SteadyClock::now();
  c->deadline = c->started + spec.timeout;
  std::unique_lock lock(mu_);
  if (stopped_ || !error_.empty()) {
    lock.unlock();
    c->result.startError = stopped_ ? "load tester shutting down" : error_;
    onExit(c->result);
    return;
  }
  const SpawnedProcess child = spawnProcess(spec, c->result);
  if (child.pid < 0) {
    lock.unlock();
    onExit(c->result);
    return;
  }
  c->onExit = std::move(onExit);
  c->pid = child.pid;
  c->outFd = child.outFd;
  ::fcntl(c->outFd, F_SETFL, ::fcntl(c->outFd, F_GETFL) | O_NONBLOCK);
  c->pidFd = pidfdOpen(child.pid);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = static_cast<uint32_t>(child.pid);
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c->outFd, &ev);
  if (c->pidFd >= 0) {
    ev.data.u64 = static_cast<uint32_t>(child.pid) | kPidFdTag;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c->pidFd, &ev);
  }
  children_.emplace(child.pid, std::move(c));
  lock.unlock();
  wake();  // so that the new deadline is taken into account
}

void ProcessReaper::readOutput(Child& c) {
  char buf[16384];
  while (c.outFd >= 0) {
    ssize_t got = ::read(c.outFd, buf, sizeof buf);
    if (got > 0) {
      size_t room = c.spec.maxOutputBytes > c.result.output.size() ? c.spec.maxOutputBytes - c.result.output.size() : 0;
      c.result.output.append(buf, std::min(room, static_cast<size_t>(got)));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return;
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.outFd, nullptr);  // EOF (or an error: nothing more to read)
    ::close(c.outFd);
    c.outFd = -1;
  }
}

bool ProcessReaper::finishIfDone(int key) {
  std::unique_lock lock(mu_);
  auto it = children_.find(key);
  if (it == children_.end()) return false;
  Child& c = *it->second;
  if (c.outFd >= 0 || !c.leaderExited) return false;
  std::unique_ptr<Child> done = std::move(it->second);
  children_.erase(it);
  lock.unlock();
  if (done->pidFd >= 0) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, done->pidFd, nullptr);
    ::close(done->pidFd);
  }
  reapLeader(done->pid, done->result);
  done->result.elapsed = std::chrono::duration_cast<Duration>(SteadyClock::now() - done->started);
  done->onExit(done->result);
  return true;
}

void ProcessReaper::loop() {
  std::vector<epoll_event> events(64);
  while (true) {
    const auto now = SteadyClock::now();
    std::vector<int> pids;
    auto wait = std::chrono::milliseconds(100);
    {
      std::lock_guard lock(mu_);
      if (stopped_ && children_.empty()) return;
      for (auto& [pid, c] : children_) {
        pids.push_back(pid);
        if (!c->killed && (now >= c->deadline || cancel_.load())) {
          // Timeout or shutdown: the whole group goes.
          c->killed = true;
          (now >= c->deadline ? c->result.timedOut : c->result.cancelled) = true;
          ::kill(-c->pid, SIGKILL);
        }
        if (!c->killed) {
          wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(c->deadline - now));
        }
        if (c->pidFd < 0 && !c->leaderExited && leaderHasExited(c->pid)) {
          c->leaderExited = true;
          ::kill(-c->pid, SIGKILL);
        }
      }
    }
    for (int pid : pids) finishIfDone(pid);
    const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(std::max<int64_t>(wait.count(), 0)));
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[i].data.u64;
      if (tag == kWakeTag) {
        uint64_t v;
        (void)!::read(wakeFd_, &v, sizeof v);
        continue;
      }
      const int pid = static_cast<int>(tag & 0xffffffffu);
      {
        std::lock_guard lock(mu_);
        auto it = children_.find(pid);
        if (it == children_.end()) continue;
        Child& c = *it->second;
        if (tag & kPidFdTag) {
          if (!c.leaderExited) {
            c.leaderExited = true;
            // The command is over; children it left behind (holding the output pipe) would keep
            // the task running until its timeout: end the whole group.
            ::kill(-c.pid, SIGKILL);
          }
          ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.pidFd, nullptr);
        } else {
          readOutput(c);
        }
      }
      finishIfDone(pid);
    }
  }
}

void ProcessReaper::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  cancel_.store(true);
  if (thread_.joinable()) {
    wake();
    thread_.join();
  }
}

}  // namespace aviary::loadtester
