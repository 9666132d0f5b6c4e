#include "loadtester/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "loadtester/command_line.h"

extern char** environ;

namespace aviary::loadtester {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The child's environment: the inherited one with spec.env entries replacing same-named ones.
std::vector<std::string> buildEnv(const std::vector<std::string>& overrides) {
  std::vector<std::string> out;
  auto nameOf = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    bool replaced = false;
    for (const auto& o : overrides) replaced |= nameOf(o) == nameOf(kv);
    if (!replaced) out.push_back(std::move(kv));
  }
  out.insert(out.end(), overrides.begin(), overrides.end());
  return out;
}

std::string envValue(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& kv : env) {
    if (kv.compare(0, name.size() + 1, name + "=") == 0) return kv.substr(name.size() + 1);
  }
  return "";
}

}  // namespace

std::string ProcessResult::describe() const {
  if (!started) return startError;
  std::string s = signal ? std::string("signal: ") + (signal == SIGKILL ? "killed" : strsignal(signal))
                         : "exit status " + std::to_string(exitCode);
  if (timedOut) s += " (timeout " + formatDuration(elapsed) + " exceeded)";
  if (cancelled) s += " (load tester shutting down)";
  return s;
}

SpawnedProcess spawnProcess(const ProcessSpec& spec, ProcessResult& r) {
  std::vector<std::string> env = buildEnv(spec.env);
  std::string exe = spec.argv.empty() ? "" : lookPath(spec.argv[0], envValue(env, "PATH"));
  if (exe.empty()) {
    r.startError = "exec: \"" + (spec.argv.empty() ? std::string() : spec.argv[0]) +
                   "\": executable file not found in $PATH";
    return {};
  }
  // Everything the child needs is prepared before fork(): after fork only async-signal-safe calls.
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.startError = std::string("pipe: ") + std::strerror(errno);
    return {};
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid < 0) {
    r.startError = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    if (devnull >= 0) ::close(devnull);
    return {};
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGCHLD}) ::signal(sig, SIG_DFL);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    // Listening and client sockets of the load tester must not leak into commands (they would
    // keep the port busy and connections open for as long as the command runs).
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    ::execve(exe.c_str(), argv.data(), envp.data());
    const char msg[] = "exec failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also in the parent, so the group exists before we might kill it
  ::close(fds[1]);
  if (devnull >= 0) ::close(devnull);
  r.started = true;
  return {pid, fds[0]};
}

void reapLeader(int pid, ProcessResult& r) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
}

ProcessResult runProcess(const ProcessSpec& spec, const std::atomic<bool>* cancel) {
  ProcessResult r;
  auto t0 = SteadyClock::now();
  const SpawnedProcess child = spawnProcess(spec, r);
  if (child.pid < 0) return r;
  const pid_t pid = child.pid;
  const int out = child.outFd;

  auto deadline = t0 + spec.timeout;
  bool leaderExited = false, eof = false;
  char buf[16384];
  // The leader is only reaped after the loop: until then its zombie keeps the process-group id
  // reserved, so kill(-pid) can never hit an unrelated group that reused the number.
  while (!eof || !leaderExited) {
    auto now = SteadyClock::now();
    if (!r.timedOut && !r.cancelled) {
      if (now >= deadline) {
        r.timedOut = true;
        ::kill(-pid, SIGKILL);
      } else if (cancel && cancel->load()) {
        r.cancelled = true;
        ::kill(-pid, SIGKILL);
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    int waitMs = static_cast<int>(std::clamp<long>(left, 0, eof ? 10 : 100));
    if (r.timedOut || r.cancelled) waitMs = 10;
    pollfd p{out, POLLIN, 0};
    int n = ::poll(&p, eof ? 0 : 1, waitMs);
    if (n > 0) {
      ssize_t got = ::read(out, buf, sizeof buf);
      if (got > 0) {
        size_t room = spec.maxOutputBytes > r.output.size() ? spec.maxOutputBytes - r.output.size() : 0;
        r.output.append(buf, std::min(room, static_cast<size_t>(got)));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        eof = true;
      }
    }
    siginfo_t info{};
    if (!leaderExited && ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      leaderExited = true;
      // The command is over; children it left behind (holding the output pipe) would keep us
      // waiting until the timeout: end the whole group.
      ::kill(-pid, SIGKILL);
    }
  }
  ::close(out);
  reapLeader(pid, r);
  r.elapsed = std::chrono::duration_cast<Duration>(SteadyClock::now() - t0);
  return r;
}

}  // namespace aviary::loadtester
