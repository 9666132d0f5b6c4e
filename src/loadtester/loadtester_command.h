#pragma once
// Entry point of `aviary loadtester` (flags in Go syntax, like flagger-loadtester's).
#include <string>
#include <vector>

namespace aviary::loadtester {

// Serves until SIGINT/SIGTERM, then kills running commands and returns 0. Usage errors return 2,
// a listen failure 1. `selfExe` is the aviary binary, used to run the built-in hey.
int runLoadtesterCommand(const std::vector<std::string>& args, const std::string& selfExe);

}  // namespace aviary::loadtester
