// PLACEHOLDER: replaced by the issue that builds `aviary loadtester`.
#include "cli/commands.h"

namespace aviary::cli {
void addLoadtesterCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("loadtester", "(not built yet)");
  cmd->callback([&run] {
    run = [] {
      std::fprintf(stderr, "aviary loadtester: not built yet\n");
      return 2;
    };
  });
}
}  // namespace aviary::cli
