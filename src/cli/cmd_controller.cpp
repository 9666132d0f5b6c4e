// `aviary controller`: the Kubernetes operator (docs/kubernetes.md). Flagger's flags are Go-style
// (-flag value, -flag=value, --flag value), so CLI11 only routes and GoFlags parses.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <atomic>
#include <functional>
#include <thread>

#include "cli/commands.h"
#include "cli/kube_controller.h"
#include "common/clock.h"
#include "common/log.h"
#include "kube/client.h"
#include "kube/leader_election.h"
#include "loadtester/go_flags.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace aviary::cli {
namespace {

std::vector<std::string> splitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(',', start);
    out.push_back(s.substr(start, end - start));  // Flagger: no trimming
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

struct LeaderElectionOptions {
  bool enabled = false;
  std::string ns = "kube-system";
};

// Runs the controller until SIGINT/SIGTERM. With leader election (flagger-scheduler.md §2.4), only
// while this process holds the Lease `flagger-leader-election` in -leader-election-namespace: it
// waits for the lease, starts the controller when it has it, and exits 1 when it loses it (as
// Flagger does: a fresh process is safer than a controller that may have missed a turn); on a
// signal it stops the controller, then releases the lease so that the next replica takes over
// at once instead of after the lease expires.
int serve(const KubeControllerOptions& o, const LeaderElectionOptions& le) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // threads started below inherit the mask

  SystemClock clock;
  std::unique_ptr<kube::Client> leClient;
  std::unique_ptr<kube::LeaderElector> elector;
  std::thread electorThread;
  std::atomic<bool> leading{!le.enabled}, lost{false}, stopElector{false};
  if (le.enabled) {
    auto cfg = kubeClusterConfig(o);
    if (!cfg) {
      std::fprintf(stderr, "aviary controller: %s\n", cfg.error().format().c_str());
      return 1;
    }
    kube::ClientOptions co;
    co.qps = o.qps;
    co.burst = o.burst;
    co.timeout = std::chrono::seconds(5);  // below the renew deadline (LeaderElector's contract)
    leClient = std::make_unique<kube::Client>(*cfg, co);
    kube::LeaderElectionConfig lc;
    lc.leaseNamespace = le.ns;
    elector = std::make_unique<kube::LeaderElector>(*leClient, lc, clock);
    std::fprintf(stdout, "aviary controller: waiting to lead (Lease %s/%s, identity %s)\n", lc.leaseNamespace.c_str(),
                 lc.leaseName.c_str(), elector->identity().c_str());
    std::fflush(stdout);
    electorThread = std::thread([&] {
      const Status st = elector->run([&] { leading = true; }, [&] { lost = true; }, stopElector);
      if (!st) {
        spdlog::error("leader election: {}", st.error().format());
        lost = true;
      }
    });
  }

  std::unique_ptr<KubeController> kc;
  int rc = 0;
  const timespec poll{0, 100 * 1000 * 1000};
  for (;;) {
    if (lost) {
      std::fprintf(stderr, "aviary controller: leader election lost\n");
      rc = 1;
      break;
    }
    if (leading && !kc) {
      auto started = KubeController::start(o);
      if (!started) {
        std::fprintf(stderr, "aviary controller: %s\n", started.error().format().c_str());
        rc = 1;
        break;
      }
      kc = std::move(*started);
      std::fprintf(stdout, "aviary controller: watching %s; /metrics, /healthz and the status API on %s\n",
                   o.ns.empty() ? "all namespaces" : ("namespace " + o.ns).c_str(), kc->statusUrl().c_str());
      std::fflush(stdout);
    }
    const int sig = sigtimedwait(&sigs, nullptr, &poll);
    if (sig > 0) {
      std::fprintf(stdout, "received %s, stopping: running ticks finish\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
      std::fflush(stdout);
      break;
    }
  }
  if (kc) kc->stop(Duration(30 * 1000));
  stopElector = true;  // releases the lease if held
  if (electorThread.joinable()) electorThread.join();
  return rc;
}


// The environment overrides Flagger honours (cmd/flagger/main.go): non-empty values win.
void envOverride(const char* name, std::string& target) {
  if (const char* v = std::getenv(name); v && *v) target = v;
}

int runController(const std::vector<std::string>& args) {
  KubeControllerOptions o;
  LeaderElectionOptions le;
  std::string logLevel = "debug", selectorLabels = "app,name,app.kubernetes.io/name", includePrefix;
  std::string listen;
  bool version = false;
  int port = 8080;
  loadtester::GoFlags f("Usage: aviary controller [flags]  (Flagger's command line; docs/kubernetes.md)");
  f.addString("kubeconfig", &o.kubeconfig, "Path to a kubeconfig. Only required if out-of-cluster.");
  f.addString("master", &o.master, "The address of the Kubernetes API server. Overrides any value in kubeconfig.");
  f.addDouble("kube-api-qps", &o.qps, "Steady requests per second to the Kubernetes API (default 100)");
  f.addInt("kube-api-burst", &o.burst, "Request burst to the Kubernetes API (default 250)");
  f.addDouble("kubeconfig-qps", &o.qps, "Same as -kube-api-qps (Flagger's name)");
  f.addInt("kubeconfig-burst", &o.burst, "Same as -kube-api-burst (Flagger's name)");
  f.addString("metrics-server", &o.metricsServer, "Prometheus URL (default http://prometheus:9090)");
  f.addString("mesh-provider", &o.meshProvider, "Default provider of canaries without spec.provider (default istio)");
  f.addString("namespace", &o.ns, "Namespace that aviary would watch canary objects (default: all)");
  f.addString("selector-labels", &selectorLabels,
              "Pod selector label keys, in order (default app,name,app.kubernetes.io/name)");
  f.addString("include-label-prefix", &includePrefix,
              "Label/annotation key prefixes copied to primary objects; * = all");
  f.addBool("enable-config-tracking", &o.configTracking, "Track ConfigMaps/Secrets of targets (default true)");
  f.addInt("threadiness", &o.threadiness, "Sync workers (default 2)");
  f.addString("log-level", &logLevel, "debug, info, warning, error (default debug)");
  f.addInt("port", &port, "Port of /metrics, /healthz and the status API (default 8080)");
  f.addString("listen-address", &listen, "Address of those endpoints (default 127.0.0.1; Flagger: all interfaces)");
  f.addDuration("control-loop-interval", &o.controlLoopInterval, "flagger_canary_total refresh (default 10s)");
  f.addDouble("time-scale", &o.timeScale, "Multiplies every analysis.interval (default 1; tests use less)");
  f.addDuration("min-interval", &o.minInterval, "Smallest tick interval (default 10s, as Flagger)");
  f.addBool("enable-leader-election", &le.enabled, "Run only while holding the leader Lease (default false)");
  f.addString("leader-election-namespace", &le.ns, "Namespace of the leader Lease (default kube-system)");
  f.addString("cluster-name", &o.clusterName, "Adds a Cluster field to alerts");
  f.addString("event-webhook", &o.eventWebhook, "URL that receives every event (env EVENT_WEBHOOK_URL wins)");
  f.addString("slack-url", &o.chat.slackUrl, "Global Slack webhook URL (env SLACK_URL wins)");
  f.addString("slack-token", &o.chat.slackToken, "Slack bearer token (env SLACK_TOKEN wins)");
  f.addString("slack-user", &o.chat.slackUser, "Slack user name (default flagger)");
  f.addString("slack-channel", &o.chat.slackChannel, "Slack channel (required with -slack-url)");
  f.addString("slack-proxy-url", &o.chat.slackProxy, "Proxy for Slack (env SLACK_PROXY_URL wins)");
  f.addString("msteams-url", &o.chat.msteamsUrl, "Global MS Teams webhook URL (env MSTEAMS_URL wins)");
  f.addString("msteams-proxy-url", &o.chat.msteamsProxy, "Proxy for MS Teams (env MSTEAMS_PROXY_URL wins)");
  f.addBool("version", &version, "Print the version and exit");
  auto parsed = f.parse(args);
  if (!parsed) {
    std::fprintf(stderr, "aviary controller: %s\n%s", parsed.error().message.c_str(), f.usage().c_str());
    return 2;
  }
  if (parsed->help) {
    std::fprintf(stdout, "%s", f.usage().c_str());
    return 0;
  }
  if (version) {
    std::fprintf(stdout, "aviary controller 0.1.0 (Flagger-compatible)\n");
    return 0;
  }
  if (!parsed->positional.empty()) {
    std::fprintf(stderr, "aviary controller: unexpected argument \"%s\"\n", parsed->positional[0].c_str());
    return 2;
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "aviary controller: invalid value \"%d\" for flag -port: expected 0..65535\n", port);
    return 2;
  }
  if (o.threadiness < 1) {
    std::fprintf(stderr, "aviary controller: invalid value \"%d\" for flag -threadiness: expected >= 1\n",
                 o.threadiness);
    return 2;
  }
  if (!setLogLevel(logLevel)) {
    std::fprintf(
        stderr, "aviary controller: invalid value \"%s\" for flag -log-level: expected debug, info, warning or error\n",
        logLevel.c_str());
    return 2;
  }
  // The log goes to stderr, as Flagger's; stdout carries only the start and stop lines.
  auto logger = spdlog::stderr_color_mt("aviary-controller");
  logger->set_level(spdlog::get_level());
  spdlog::set_default_logger(logger);
  o.port = static_cast<uint16_t>(port);
  if (!listen.empty()) o.address = listen;
  o.selectorLabels = splitComma(selectorLabels);
  o.includeLabelPrefix = splitComma(includePrefix);
  envOverride("EVENT_WEBHOOK_URL", o.eventWebhook);
  envOverride("SLACK_URL", o.chat.slackUrl);
  envOverride("SLACK_TOKEN", o.chat.slackToken);
  envOverride("SLACK_PROXY_URL", o.chat.slackProxy);
  envOverride("MSTEAMS_URL", o.chat.msteamsUrl);
  envOverride("MSTEAMS_PROXY_URL", o.chat.msteamsProxy);
  // Flagger: -namespace also moves the leader Lease into that namespace.
  if (!o.ns.empty()) le.ns = o.ns;

  return serve(o, le);
}

}  // namespace

void addControllerCommand(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand("controller", "The Kubernetes operator: Flagger's controller (docs/kubernetes.md)");
  cmd->prefix_command();
  cmd->set_help_flag();
  cmd->callback([cmd, &run] {
    auto args = cmd->remaining();
    run = [args] { return runController(args); };
  });
}

}  // namespace aviary::cli
