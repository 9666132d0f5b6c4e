// `aviary simulate SCENARIO.yaml`: a dry run of a rollout against scripted conditions
// (docs/simulate.md). Exit 0 when every expectation holds, 1 when one fails, 2 for an invalid
// scenario or usage.
#include <iostream>

#include "cli/commands.h"
#include "simulate/kube_backend.h"
#include "simulate/simulator.h"

namespace aviary::cli {

void addSimulateCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("simulate", "Dry-run a Canary rollout against a scripted scenario");
  struct Args {
    std::string scenario;
    std::string output = "text";
    uint64_t seed = 1;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("scenario", args->scenario, "Scenario file (YAML)")->required();
  cmd->add_option("-o,--output", args->output, "Output format: text (one line per tick + events) or json (JSON Lines)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--seed", args->seed, "Seed of the random source (session-affinity cookies)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print only expectation failures and errors");
  cmd->callback([&run, args] {
    run = [args] {
      simulate::SimulateOptions opt;
      opt.format = args->output == "json" ? simulate::OutputFormat::Json : simulate::OutputFormat::Text;
      opt.seed = args->seed;
      opt.quiet = args->quiet;
      opt.kube = simulate::makeKubeBackend;  // scenarios on Kubernetes objects
      return simulate::runScenarioFile(args->scenario, opt, std::cout, std::cerr);
    };
  });
}

}  // namespace aviary::cli
