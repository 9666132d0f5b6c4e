// `aviary metrics-server --scrape URL...`: the embedded metrics store and Prometheus query API,
// standalone, until SIGINT/SIGTERM (docs/metrics-server.md).
#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "common/duration.h"
#include "tsdb/metrics_server.h"

namespace aviary::cli {
namespace {

// "JOB=URL" names the job; a bare URL gets job "aviary".
tsdb::ScrapeTarget targetFrom(const std::string& arg) {
  auto eq = arg.find('=');
  auto scheme = arg.find("://");
  if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
    return {arg.substr(eq + 1), arg.substr(0, eq)};
  }
  return {arg, "aviary"};
}

}  // namespace

void addMetricsServerCommand(CLI::App& app, Runner& run) {
  struct Opts {
    std::vector<std::string> scrape;
    std::string interval = "5s", retention = "1h", timeout;
    std::string listen = "127.0.0.1:9090";
    size_t maxSeries = 200000;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "metrics-server", "Scrape Prometheus text exposition and answer PromQL (a subset) through Prometheus's HTTP API");
  cmd->add_option("--scrape", opts->scrape,
                  "Target to scrape: URL, or JOB=URL to set the job label (default job \"aviary\"); repeatable");
  cmd->add_option("--scrape-interval", opts->interval, "Time between scrapes of a target (Go duration)")->capture_default_str();
  cmd->add_option("--scrape-timeout", opts->timeout, "Per-scrape timeout (default: the interval, at most 5s)");
  cmd->add_option("--retention", opts->retention, "How long samples are kept (Go duration)")->capture_default_str();
  cmd->add_option("--listen", opts->listen, "Address of the query API (HOST:PORT; port 0 picks a free one)")->capture_default_str();
  cmd->add_option("--max-series", opts->maxSeries, "Series limit (memory bound); new series beyond it are dropped")->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000000}));
  cmd->callback([opts, &run] {
    run = [opts] {
      tsdb::ServerOptions o;
      std::vector<std::string> problems;
      auto duration = [&](const std::string& flag, const std::string& text, Duration& out) {
        auto d = parseDuration(text);
        if (!d.ok()) {
          problems.push_back(flag + ": " + d.error().message);
        } else if (*d <= Duration::zero()) {
          problems.push_back(flag + ": expected a positive duration, found \"" + text + "\"");
        } else {
          out = *d;
        }
      };
      duration("--scrape-interval", opts->interval, o.scrapeInterval);
      duration("--retention", opts->retention, o.retention);
      o.scrapeTimeout = std::min<Duration>(o.scrapeInterval, std::chrono::seconds(5));
      if (!opts->timeout.empty()) duration("--scrape-timeout", opts->timeout, o.scrapeTimeout);
      std::vector<tsdb::ScrapeTarget> targets;
      for (const auto& s : opts->scrape) {
        auto t = targetFrom(s);
        if (!t.url.starts_with("http://") && !t.url.starts_with("https://")) {
          problems.push_back("--scrape: expected an http(s):// URL, found \"" + s + "\"");
        }
        targets.push_back(std::move(t));
      }
      if (!problems.empty()) {
        for (const auto& p : problems) std::fprintf(stderr, "aviary metrics-server: %s\n", p.c_str());
        return 2;
      }
      o.listen = opts->listen;
      o.maxSeries = opts->maxSeries;
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      auto server = tsdb::MetricsServer::start(o, targets);
      if (!server.ok()) {
        std::fprintf(stderr, "aviary metrics-server: %s\n", server.error().format().c_str());
        return server.error().code == ErrorCode::Invalid ? 2 : 1;
      }
      std::printf("metrics server on %s (%zu targets, every %s, retention %s)\n", (*server)->url().c_str(),
                  targets.size(), formatDuration(o.scrapeInterval).c_str(), formatDuration(o.retention).c_str());
      std::fflush(stdout);
      int sig = 0;
      sigwait(&set, &sig);
      (*server)->stop();
      return 0;
    };
  });
}

}  // namespace aviary::cli
