// `aviary run DIR`: the local platform. Runs the Workloads of DIR as processes, routes them
// through the in-process mesh, and runs every Canary of DIR against them, until SIGINT/SIGTERM.
// docs/local-platform.md.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <tuple>

#include "cli/commands.h"
#include "cli/local_controller.h"
#include "common/duration.h"
#include "common/log.h"

namespace aviary::cli {

// Adds the flags `aviary run` and `aviary demo` share to `cmd`.
void addLocalControllerFlags(CLI::App* cmd, LocalControllerOptions& o) {
  cmd->add_option("--state-dir", o.stateDir, "Where statuses, events, replica logs and routes are kept")
      ->capture_default_str();
  cmd->add_option("--address", o.address, "Address of the status API, /metrics and /healthz")->capture_default_str();
  cmd->add_option("--port", o.port, "Port of the status API, /metrics and /healthz (Flagger's -port)")
      ->capture_default_str();
  cmd->add_option("--mesh-port", o.meshPort,
                  "Port of the mesh listener (the http_proxy of every workload); 0 = the last one, else a free one")
      ->capture_default_str();
  cmd->add_option("--metrics-server", o.metricsServer,
                  "Prometheus URL the analysis queries (it must scrape the mesh's /stats/prometheus); default: the "
                  "embedded metrics server");
  cmd->add_option("--metrics-port", o.metricsPort, "Port of the embedded metrics server's Prometheus API (0 = any)")
      ->capture_default_str();
  cmd->add_option_function<std::string>(
      "--scrape-interval",
      [&o](const std::string& v) {
        auto d = parseDuration(v);
        if (!d || d->count() <= 0) throw CLI::ValidationError("--scrape-interval", "expected a positive duration, found " + v);
        o.scrapeInterval = *d;
      },
      "The embedded metrics server's scrape interval (default 5s)");
  cmd->add_option("--mesh-provider", o.meshProvider, "Default provider of canaries without spec.provider")
      ->capture_default_str();
  cmd->add_option("--threadiness", o.threadiness, "Sync workers (Flagger's -threadiness)")->capture_default_str();
  cmd->add_option("--time-scale", o.timeScale,
                  "Multiplies every analysis.interval (0.05 turns 1m into 3s); intervals stay >= --min-interval")
      ->capture_default_str();
  cmd->add_option_function<std::string>(
      "--min-interval",
      [&o](const std::string& v) {
        auto d = parseDuration(v);
        if (!d) throw CLI::ValidationError("--min-interval", d.error().message);
        o.minInterval = *d;
      },
      "Smallest tick interval (Flagger: 10s)");
  for (auto [flag, field, help] :
       {std::tuple{"--hpa-sync-period", &o.hpaSyncPeriod,
                   "How often HorizontalPodAutoscalers are reconciled (Kubernetes' "
                   "--horizontal-pod-autoscaler-sync-period; default 15s), times --time-scale"},
        std::tuple{"--hpa-rate-window", &o.hpaRateWindow,
                   "The rate() window of request-rate HPA metrics (default 1m), times --time-scale"}}) {
    cmd->add_option_function<std::string>(
        flag,
        [flag, field](const std::string& v) {
          auto d = parseDuration(v);
          if (!d || d->count() <= 0) throw CLI::ValidationError(flag, "expected a positive duration, found " + v);
          *field = *d;
        },
        help);
  }
  cmd->add_option("--secrets-dir", o.secretsDir,
                  "Secrets as files DIR/NAMESPACE/NAME/KEY (default: AVIARY_SECRET_<NS>_<NAME>_<KEY> variables)");
  cmd->add_option("--event-webhook", o.eventWebhook, "URL that receives every event (Flagger's -event-webhook)");
  cmd->add_option("--slack-url", o.slackUrl, "Global Slack webhook URL");
  cmd->add_option("--slack-channel", o.slackChannel, "Global Slack channel (required with --slack-url)");
  cmd->add_option("--slack-user", o.slackUser, "Global Slack user name")->capture_default_str();
  cmd->add_option("--msteams-url", o.msteamsUrl, "Global Microsoft Teams webhook URL");
  cmd->add_option("--cluster-name", o.clusterName, "Adds a Cluster field to alerts");
  cmd->add_option("--admin-token-file", o.adminTokenFile,
                  "File whose first line is the token manual actions (aviary promote, …) must carry; else env "
                  "AVIARY_ADMIN_TOKEN; none: open to whoever reaches --address")
      ->check(CLI::ExistingFile);
}

void addRunCommand(CLI::App& app, Runner& run) {
  auto o = std::make_shared<LocalControllerOptions>();
  auto logLevel = std::make_shared<std::string>("info");
  auto* cmd = app.add_subcommand("run", "Run the Workloads and Canaries of a directory on this machine (local platform)");
  cmd->add_option("dir", o->dir, "Directory of manifests (Canary, MetricTemplate, AlertProvider, Workload)")
      ->required()
      ->check(CLI::ExistingDirectory);
  addLocalControllerFlags(cmd, *o);
  cmd->add_flag("--detach-on-exit", o->detachOnExit,
                "Leave the workloads' processes running on exit (the next `aviary run` adopts them)");
  cmd->add_option("--log-level", *logLevel, "debug, info, warning, error")->capture_default_str();
  cmd->callback([o, logLevel, &run] {
    run = [o, logLevel] {
      setLogLevel(*logLevel);
      // Stop signals are taken by this thread only (every thread started below inherits the mask).
      sigset_t sigs;
      sigemptyset(&sigs);
      sigaddset(&sigs, SIGINT);
      sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);  // a closed terminal stops it as gracefully as Ctrl-C
      pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
      o->print = [](const std::string& line) {
        std::fprintf(stdout, "%s\n", line.c_str());
        std::fflush(stdout);
      };
      auto lc = LocalController::start(*o);
      if (!lc) {
        std::fprintf(stderr, "aviary run: %s\n", lc.error().format().c_str());
        return 1;
      }
      int received = 0;
      (*lc)->run([&] {
        timespec ts{static_cast<time_t>(o->pollInterval.count() / 1000),
                    static_cast<long>(o->pollInterval.count() % 1000) * 1000000L};
        const int sig = sigtimedwait(&sigs, nullptr, &ts);
        if (sig > 0) received = sig;
        return sig > 0;
      });
      std::fprintf(stdout, "received %s, stopping: running ticks finish, then the workloads stop\n",
                   received == SIGINT ? "SIGINT" : "SIGTERM");
      std::fflush(stdout);
      (*lc)->stop(Duration(30 * 1000));
      return 0;
    };
  });
}

}  // namespace aviary::cli
