// PLACEHOLDER: replaced by the issue that builds `aviary simulate`.
#include "cli/commands.h"

namespace aviary::cli {
void addSimulateCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("simulate", "(not built yet)");
  cmd->callback([&run] {
    run = [] {
      std::fprintf(stderr, "aviary simulate: not built yet\n");
      return 2;
    };
  });
}
}  // namespace aviary::cli
