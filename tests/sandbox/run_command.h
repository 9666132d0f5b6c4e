#pragma once
// Test helper: runs a program (no shell) with arguments and optional stdin, capturing stdout and
// stderr, killed after a timeout. Used to drive kubectl and the Python client against the sandbox.
#include <chrono>
#include <string>
#include <vector>

namespace aviary::sandbox::testing {

struct CommandResult {
  int exitCode = -1;  // -1 when killed or not started
  bool timedOut = false;
  std::string out, err;
  std::string describe() const;  // exit status and both streams, for assertion messages
};

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& input = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(20),
                         const std::vector<std::string>& env = {});

// A long-running child (stdout piped, stderr inherited) for servers under test.
class BackgroundCommand {
 public:
  explicit BackgroundCommand(const std::vector<std::string>& argv);
  ~BackgroundCommand();  // SIGKILLs the child if it still runs
  // The next line of stdout, or "" after `timeout` or at end of output.
  std::string readLine(std::chrono::milliseconds timeout);
  // Sends SIGTERM and returns the exit status (-1 if killed by a signal or not exited in 10 s).
  int terminate();

 private:
  int pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

}  // namespace aviary::sandbox::testing
