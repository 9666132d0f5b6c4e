#pragma once
// Runs one command for the load tester: fork/exec in its own process group, stdout+stderr
// combined, bounded by a timeout after which the whole group (the command and every child it
// started) is killed. Also kills what is left of the group when the command itself exits, so a
// task never leaves processes behind.
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "common/duration.h"

namespace aviary::loadtester {

struct ProcessSpec {
  std::vector<std::string> argv;        // argv[0] is looked up in PATH (the overridden one if given)
  std::vector<std::string> env;         // "NAME=value" entries that override the inherited environment
  Duration timeout{std::chrono::hours(1)};
  size_t maxOutputBytes = 1 << 20;      // output beyond this is read and dropped
};

struct ProcessResult {
  bool started = false;    // false: exec failed before running (startError says why)
  std::string startError;  // Go-style, e.g. `exec: "nope": executable file not found in $PATH`
  int exitCode = -1;       // when it exited normally
  int signal = 0;          // when it was killed by a signal
  bool timedOut = false;
  bool cancelled = false;
  std::string output;      // combined stdout and stderr
  Duration elapsed{0};

  bool ok() const { return started && exitCode == 0; }
  // Go's exec error text: "exit status 1", "signal: killed"; with the reason for a timeout.
  std::string describe() const;
};

// Blocks until the command ends, times out, or `cancel` becomes true (checked every 100 ms).
// Thread-safe; safe to call from many threads at once.
ProcessResult runProcess(const ProcessSpec& spec, const std::atomic<bool>* cancel = nullptr);

// The first half of runProcess, for callers that wait for many commands at once (reaper.h):
// forks and execs `spec` as the leader of a new process group whose stdout and stderr go to
// `outFd` (the read end, O_CLOEXEC, owned by the caller). On failure pid is -1 and
// `r.startError` says why; on success `r.started` is true.
struct SpawnedProcess {
  int pid = -1;
  int outFd = -1;
};
SpawnedProcess spawnProcess(const ProcessSpec& spec, ProcessResult& r);
// The last step: reaps the leader (blocking until it has exited) and fills exitCode/signal.
void reapLeader(int pid, ProcessResult& r);

}  // namespace aviary::loadtester
