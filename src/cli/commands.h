#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the root app.
// A subcommand's callback stores the function that runs it; main() calls it after parsing and
// returns its exit status. Exit statuses: 0 success, 1 the command's own failure (invalid
// resources, failed expectation...), 2 usage or unreadable input.
#include <CLI/CLI.hpp>

#include <functional>

namespace aviary::cli {

using Runner = std::function<int()>;

void addValidateCommand(CLI::App& app, Runner& run);
void addSimulateCommand(CLI::App& app, Runner& run);
void addQueryCommand(CLI::App& app, Runner& run);
void addLoadtesterCommand(CLI::App& app, Runner& run);
void addHeyCommand(CLI::App& app, Runner& run);
void addProxyCommand(CLI::App& app, Runner& run);
void addRunCommand(CLI::App& app, Runner& run);
void addDemoCommand(CLI::App& app, Runner& run);
void addStatusCommand(CLI::App& app, Runner& run);
void addPodinfoCommand(CLI::App& app, Runner& run);
void addMetricsServerCommand(CLI::App& app, Runner& run);
void addSandboxCommand(CLI::App& app, Runner& run);
void addControllerCommand(CLI::App& app, Runner& run);
void addRenderCommand(CLI::App& app, Runner& run);
// promote, abort, pause, resume, retry (cmd_action.cpp)
void addActionCommands(CLI::App& app, Runner& run);
void addHistoryCommand(CLI::App& app, Runner& run);

}  // namespace aviary::cli
