// PLACEHOLDER: replaced by the issue that builds `aviary validate`.
#include "cli/commands.h"

namespace aviary::cli {
void addValidateCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("validate", "(not built yet)");
  cmd->callback([&run] {
    run = [] {
      std::fprintf(stderr, "aviary validate: not built yet\n");
      return 2;
    };
  });
}
}  // namespace aviary::cli
