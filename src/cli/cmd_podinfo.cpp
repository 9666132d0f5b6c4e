// `aviary podinfo [--port N] [--listen ADDR] [--version V] [--fault-5xx-ratio R] [--fault-404-ratio R]
// [--fault-latency D] [--seed N]`: the demo service (docs/podinfo.md). PODINFO_* environment
// variables set the same things; a flag given on the command line wins. Runs until SIGTERM/SIGINT.
#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "podinfo/podinfo.h"

namespace aviary::cli {
namespace {

struct PodinfoArgs {
  podinfo::Options options;
  std::string faultLatency;
  uint64_t seed = 0;
};

int runPodinfo(PodinfoArgs args, const CLI::App& cmd) {
  // Environment first, then the flags that were given on the command line.
  podinfo::Options o;
  if (auto s = podinfo::applyEnvironment(o, [](const char* n) { return std::getenv(n); }); !s.ok()) {
    std::cerr << "aviary podinfo: " << s.error().message << "\n";
    return 2;
  }
  auto given = [&](const char* flag) { return cmd.count(flag) > 0; };
  if (given("--listen")) o.listen = args.options.listen;
  o.port = args.options.port;
  if (given("--version")) o.version = args.options.version;
  if (given("--fault-5xx-ratio")) o.fault5xxRatio = args.options.fault5xxRatio;
  if (given("--fault-404-ratio")) o.fault404Ratio = args.options.fault404Ratio;
  if (given("--fault-latency")) {
    auto d = parseDuration(args.faultLatency);
    if (!d.ok()) {
      std::cerr << "aviary podinfo: --fault-latency: expected a duration such as 500ms, found \"" << args.faultLatency
                << "\"\n";
      return 2;
    }
    o.faultLatency = d.value();
  }
  if (given("--seed")) o.seed = args.seed;
  if (given("--fault-skip-path")) o.faultSkipPaths = args.options.faultSkipPaths;
  for (const auto& p : o.faultSkipPaths) {
    if (p.empty() || p[0] != '/') {
      std::cerr << "aviary podinfo: --fault-skip-path: expected a path starting with /, found \"" << p << "\"\n";
      return 2;
    }
  }

  // Block the stop signals before any thread starts, so that every thread inherits the mask and
  // sigwait below is the one place they arrive.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  SystemClock clock;
  auto server = podinfo::Server::start(o, clock);
  if (!server.ok()) {
    std::cerr << "aviary podinfo: " << server.error().message << "\n";
    return server.error().code == ErrorCode::Invalid ? 2 : 1;
  }
  std::cerr << "aviary podinfo " << o.version << " listening on " << (*server)->url() << "\n";
  int sig = 0;
  sigwait(&stopSignals, &sig);
  (*server)->stop();
  return 0;
}

}  // namespace

void addPodinfoCommand(CLI::App& app, Runner& run) {
  auto args = std::make_shared<PodinfoArgs>();
  auto* cmd = app.add_subcommand("podinfo", "Demo HTTP service with podinfo's endpoints and fault injection");
  cmd->add_option("--port", args->options.port, "Port to listen on (0 = any free port)")->default_val(9898);
  cmd->add_option("--listen", args->options.listen, "Address to listen on")->default_val("127.0.0.1");
  cmd->add_option("--version", args->options.version, "Version string served (env PODINFO_VERSION; default 3.1.0)");
  cmd->add_option("--fault-5xx-ratio", args->options.fault5xxRatio,
                  "Share of answers replaced by a 500, 0..1 (env PODINFO_FAULT_5XX_RATIO)");
  cmd->add_option("--fault-404-ratio", args->options.fault404Ratio,
                  "Share of answers replaced by a 404, 0..1 (env PODINFO_FAULT_404_RATIO)");
  cmd->add_option("--fault-latency", args->faultLatency,
                  "Latency added to every answer, a Go duration (env PODINFO_FAULT_LATENCY)");
  cmd->add_option("--fault-skip-path", args->options.faultSkipPaths,
                  "A path never faulted (besides /healthz, /readyz), repeatable (env PODINFO_FAULT_SKIP_PATHS, "
                  "comma-separated)");
  cmd->add_option("--seed", args->seed, "Seed for fault draws and tokens: deterministic runs (env PODINFO_SEED)");
  cmd->callback([args, cmd, &run] { run = [args, cmd] { return runPodinfo(*args, *cmd); }; });
}

}  // namespace aviary::cli
