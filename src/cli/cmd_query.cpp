// PLACEHOLDER: replaced by the issue that builds `aviary query`.
#include "cli/commands.h"

namespace aviary::cli {
void addQueryCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("query", "(not built yet)");
  cmd->callback([&run] {
    run = [] {
      std::fprintf(stderr, "aviary query: not built yet\n");
      return 2;
    };
  });
}
}  // namespace aviary::cli
