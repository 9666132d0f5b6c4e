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

}  // namespace aviary::sandbox::testing
