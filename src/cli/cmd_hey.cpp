// PLACEHOLDER: replaced by the issue that builds `aviary hey`.
#include "cli/commands.h"

namespace aviary::cli {
void addHeyCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("hey", "(not built yet)");
  cmd->callback([&run] {
    run = [] {
      std::fprintf(stderr, "aviary hey: not built yet\n");
      return 2;
    };
  });
}
}  // namespace aviary::cli
