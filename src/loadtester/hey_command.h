#pragma once
// Entry point of `aviary hey`, shared by the CLI and by tests.
#include <string>
#include <vector>

namespace aviary::loadtester {

// Parses hey's arguments, runs the load and prints hey's report to stdout. Ctrl-C (SIGINT) stops
// early and still prints the report, like hey. Returns 0 when the run happened (even if requests
// failed, as hey does), 2 for usage errors, 1 when the target cannot be resolved.
int runHeyCommand(const std::vector<std::string>& args);

}  // namespace aviary::loadtester
