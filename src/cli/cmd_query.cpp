// `aviary query -f canary.yaml [-f template.yaml] --metric NAME [--prometheus URL] [--dry-run]`:
// renders one metric of a Canary to the PromQL Aviary would send and, unless --dry-run, runs it
// and prints the value and the threshold verdict (docs/metrics.md).
// Exit status: 0 the metric passes (or --dry-run rendered it), 1 it fails / has no values / the
// query or the resources are in error, 2 usage or unreadable input.
#include <cmath>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "api/decode.h"
#include "cli/commands.h"
#include "common/duration.h"
#include "metrics/prometheus_checker.h"
#include "metrics/secret_source.h"
#include "metrics/threshold.h"

namespace aviary::cli {
namespace {

struct QueryArgs {
  std::vector<std::string> files;
  std::string metric;
  std::string canary;
  std::string prometheus;
  std::string metricsServer = "http://prometheus:9090";
  std::string meshProvider = "istio";
  std::string secretsDir;
  std::string timeout = "5s";
  bool dryRun = false;
};

const char* kindName(metrics::MetricKind k) {
  switch (k) {
    case metrics::MetricKind::SuccessRate:
    case metrics::MetricKind::Duration:
      return "builtin";
    case metrics::MetricKind::Query:
      return "in-line query";
    case metrics::MetricKind::Template:
      return "templateRef";
    case metrics::MetricKind::Invalid:
      return "invalid";
  }
  return "";
}

std::string formatValue(metrics::MetricKind kind, double v) {
  if (kind == metrics::MetricKind::Duration) return fmt::format("{} ms", v);
  if (kind == metrics::MetricKind::SuccessRate) return fmt::format("{:.2f} %", v);
  return fmt::format("{}", v);
}

int fail(int code, const std::string& message) {
  std::cerr << "aviary query: " << message << "\n";
  return code;
}

int runQuery(const QueryArgs& args) {
  api::LoadResult loaded;
  for (const auto& file : args.files) {
    auto r = api::loadFile(file);
    if (!r.ok()) return fail(2, r.error().format());
    loaded.append(std::move(r.value()));
  }
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::cerr << e.format() << "\n";
    return fail(1, fmt::format("{} error(s) in the input; nothing was queried", loaded.errors.size()));
  }
  auto timeout = parseDuration(args.timeout);
  if (!timeout.ok() || timeout->count() <= 0) return fail(2, "--timeout: expected a positive duration like 5s");

  // Pick the canary: --canary NAME or NAME.NAMESPACE, else the only one.
  std::vector<const api::Canary*> matches;
  for (const auto& c : loaded.canaries) {
    if (args.canary.empty() || c.metadata.name == args.canary || c.key() == args.canary) matches.push_back(&c);
  }
  if (matches.size() != 1) {
    std::string names;
    for (const auto& c : loaded.canaries) names += (names.empty() ? "" : ", ") + c.key();
    if (matches.empty()) {
      return fail(
          2, fmt::format("no Canary {}in the input (found: {})", args.canary.empty() ? "" : "\"" + args.canary + "\" ",
                         names.empty() ? "none" : names));
    }
    return fail(2, fmt::format("several Canaries in the input ({}); choose one with --canary", names));
  }
  const api::Canary& canary = *matches[0];
  if (!canary.spec.analysis) return fail(2, fmt::format("canary {} has no analysis and so no metrics", canary.key()));
  const api::CanaryMetric* metric = nullptr;
  std::string metricNames;
  for (const auto& m : canary.spec.analysis->metrics) {
    if (m.name == args.metric) metric = &m;
    metricNames += (metricNames.empty() ? "\"" : ", \"") + m.name + "\"";
  }
  if (metric == nullptr) {
    return fail(2, fmt::format("canary {} has no metric \"{}\" (its metrics: {})", canary.key(), args.metric,
                               metricNames.empty() ? "none" : metricNames));
  }

  metrics::PrometheusCheckerOptions options;
  options.defaultAddress = args.metricsServer;
  options.overrideAddress = args.prometheus;
  options.meshProvider = args.meshProvider;
  options.timeout = *timeout;
  metrics::SecretSourcePtr secrets;
  if (!args.secretsDir.empty()) {
    secrets = std::make_shared<metrics::DirectorySecretSource>(args.secretsDir);
  } else {
    secrets = std::make_shared<metrics::EnvSecretSource>();
  }
  metrics::PrometheusChecker checker(loaded.templates, secrets, options);

  auto prepared = checker.prepare(canary, *metric);
  std::cout << "canary:     " << canary.key() << "\n";
  std::cout << "metric:     " << metric->name << " (" << kindName(metrics::classify(*metric)) << ")\n";
  if (!prepared.ok()) {
    bool hint = prepared.error().code == ErrorCode::NotFound && metric->templateRef && loaded.templates.empty();
    return fail(1,
                prepared.error().message + (hint ? "\nhint: pass the MetricTemplate's manifest with another -f" : ""));
  }
  std::cout << "source:     " << prepared->source << "\n";
  std::cout << "prometheus: " << prepared->provider.address << "\n";
  std::cout << "query:      " << prepared->query << "\n";
  if (args.dryRun) return 0;

  metrics::MetricAnswer answer = checker.evaluate(canary, *metric);
  switch (answer.kind) {
    case metrics::MetricAnswer::Kind::NoValues:
      std::cout << "value:      no values (" << answer.message << ")\n";
      std::cout << "verdict:    FAIL (no values found: is the target receiving traffic?)\n";
      return 1;
    case metrics::MetricAnswer::Kind::Error:
      std::cout << "value:      error\n";
      return fail(1, answer.message);
    case metrics::MetricAnswer::Kind::Value:
      break;
  }
  auto verdict = metrics::checkThreshold(prepared->kind, *metric, answer.value);
  std::cout << "value:      " << formatValue(prepared->kind, answer.value) << "\n";
  std::cout << "verdict:    " << (verdict.pass ? "PASS" : "FAIL") << " (" << verdict.detail << ")\n";
  return verdict.pass ? 0 : 1;
}

}  // namespace

void addQueryCommand(CLI::App& app, Runner& run) {
  auto args = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand("query", "Render one metric of a Canary to PromQL and (unless --dry-run) run it");
  cmd->add_option("-f,--file", args->files, "Canary / MetricTemplate manifest (YAML or JSON); repeatable")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--metric", args->metric, "Name of the metric in spec.analysis.metrics")->required();
  cmd->add_option("--canary", args->canary, "Canary NAME or NAME.NAMESPACE when the files hold several");
  cmd->add_option("--prometheus", args->prometheus,
                  "Send every query to this Prometheus, overriding spec.metricsServer and template addresses");
  cmd->add_option("--metrics-server", args->metricsServer,
                  "Default Prometheus for builtin metrics and templates without an address")
      ->capture_default_str();
  cmd->add_option("--mesh-provider", args->meshProvider, "Controller mesh provider (selects the builtin observer)")
      ->capture_default_str();
  cmd->add_option("--secrets-dir", args->secretsDir,
                  "Directory of secrets (<dir>/<namespace>/<name>/<key>); default: AVIARY_SECRET_* variables");
  cmd->add_option("--timeout", args->timeout, "Per-request Prometheus timeout (Go duration)")->capture_default_str();
  cmd->add_flag("--dry-run", args->dryRun, "Only print the rendered query");
  cmd->callback([args, &run] { run = [args] { return runQuery(*args); }; });
}

}  // namespace aviary::cli
