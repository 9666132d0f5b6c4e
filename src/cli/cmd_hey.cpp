// `aviary hey`: hey's command line (Go flag syntax), so CLI11 only routes the arguments.
#include "cli/commands.h"
#include "loadtester/hey_command.h"

namespace aviary::cli {
void addHeyCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("hey", "HTTP load generator with hey's command line (docs/hey.md)");
  // Everything after `hey` is hey's own syntax (-n 10 -disable-keepalive URL): pass it through.
  cmd->prefix_command();
  cmd->set_help_flag();
  cmd->callback([cmd, &run] {
    auto args = cmd->remaining();
    run = [args] { return loadtester::runHeyCommand(args); };
  });
}
}  // namespace aviary::cli
