#pragma once
// Internal to the local platform: the system calls behind the supervisor (spawning a replica in
// its own process group, signalling a group, telling a live process from a reused pid, picking a
// free port, rotating a log file). Each is a small function so that the supervisor's logic reads
// as policy.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace aviary::platform::local::detail {

struct SpawnRequest {
  std::string executable;                // absolute, relative to the current directory, or a bare name (PATH)
  std::vector<std::string> argv;         // argv[0] included
  std::vector<std::string> environment;  // "NAME=value", the whole environment
  std::string workingDir;                // "" = inherit
  std::string logPath;                   // stdout and stderr are appended here (created 0644)
};

// Starts the process in a new process group (pgid = pid) with default signal dispositions, an
// empty signal mask, stdin from /dev/null and no other inherited descriptor. Never runs a shell.
// Errors (Unavailable) read like Go's exec errors: `exec: "nope": executable file not found in
// $PATH`, `fork/exec /bin/x: permission denied`, `chdir /nope: no such file or directory`.
Result<pid_t> spawn(const SpawnRequest& request);

// The process's start time (clock ticks after boot, /proc/PID/stat field 22); nullopt when there
// is no such process or it is a zombie. A pid together with its start time names one process.
std::optional<uint64_t> processStartTime(pid_t pid);

// Sends `sig` to every process of the group `pgid` (errors such as ESRCH ignored).
void signalGroup(pid_t pgid, int sig);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and closed).
Result<uint16_t> pickFreePort();

// The last non-empty line of the file (at most its last 4 KiB are read, the line is cut to 300
// characters); "" when unreadable or empty.
std::string lastLine(const std::string& path);

// copytruncate rotation when the file is larger than `maxBytes`: NAME.(k-1) -> NAME.k for k down
// to 2, NAME copied to NAME.1, NAME truncated to 0 in place. Lines written between the copy and
// the truncation are lost (as with logrotate's copytruncate). Returns true when it rotated.
bool rotateIfLarger(const std::string& path, uint64_t maxBytes, int keep);

// Writes `content` to `path` atomically: a temporary file in the same directory, fsync, rename,
// fsync of the directory.
Status writeFileAtomic(const std::string& path, const std::string& content);

}  // namespace aviary::platform::local::detail
