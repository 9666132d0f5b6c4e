// `aviary loadtester`: flagger-loadtester's flags are Go-style (-port=8080), so CLI11 only routes.
#include <unistd.h>

#include <climits>

#include "cli/commands.h"
#include "loadtester/loadtester_command.h"

namespace aviary::cli {
void addLoadtesterCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("loadtester", "flagger-loadtester compatible webhook runner (docs/loadtester.md)");
  cmd->prefix_command();
  cmd->set_help_flag();
  cmd->callback([cmd, &run] {
    auto args = cmd->remaining();
    run = [args] {
      // The built-in hey is this very binary (`aviary hey`).
      char self[PATH_MAX] = {};
      ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
      return loadtester::runLoadtesterCommand(args, n > 0 ? std::string(self, static_cast<size_t>(n)) : "");
    };
  });
}
}  // namespace aviary::cli
