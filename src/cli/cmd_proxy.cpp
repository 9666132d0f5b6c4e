// PLACEHOLDER: replaced by the issue that builds `aviary proxy`.
#include "cli/commands.h"

namespace aviary::cli {
void addProxyCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("proxy", "(not built yet)");
  cmd->callback([&run] {
    run = [] {
      std::fprintf(stderr, "aviary proxy: not built yet\n");
      return 2;
    };
  });
}
}  // namespace aviary::cli
