#include "simulate/simulator.h"

#include <ostream>

#include <fmt/format.h>

#include "common/clock.h"
#include "common/duration.h"
#include "common/log.h"
#include "controller/engine.h"
#include "notifier/recording_notifier.h"
#include "simulate/backend.h"
#include "simulate/tick_record.h"
#include "yaml/emit.h"

namespace aviary::simulate {
namespace {

// Collects events, metric verdicts, webhook calls and alerts of the current tick.
class Recorder final : public controller::EventSink, public controller::TickObserver {
 public:
  void record(const api::Canary&, const controller::Event& e) override {
    all.push_back(e);
    current.events.push_back(e);
  }
  void onMetric(const api::CanaryMetric& m, const metrics::MetricAnswer& a, bool ok) override {
    current.metrics.push_back({m.name, a, ok});
  }
  void onAlert(const std::string& provider, const std::string& message, notifier::Severity s) override {
    allAlerts.push_back(message);
    current.alerts.push_back({provider, message, s});
  }
  std::vector<controller::Event> all;
  std::vector<std::string> allAlerts;
  TickRecord current;
};

class Run {
 public:
  Run(const Scenario& sc, const SimulateOptions& opt, std::ostream& out, std::ostream& err)
      : sc_(sc), opt_(opt), out_(out), err_(err), random_(opt.seed) {
    // A fixed virtual epoch keeps status timestamps reproducible.
    clock_.set(Clock::TimePoint(std::chrono::seconds(1767225600)));  // 2026-01-01T00:00:00Z
    start_ = clock_.now();
    for (const auto& [name, a] : sc.metrics.answers) checker_.set(name, a);
    for (const auto& [name, a] : sc.webhooks.answers) hooks_.set(name, a);
    for (const auto& p : sc.alertProviders) {
      const std::string ns = p.metadata.namespace_.empty() ? sc.canary.metadata.namespace_ : p.metadata.namespace_;
      providers_[p.metadata.name + "." + ns] = std::make_shared<notifier::RecordingNotifier>(p.metadata.name);
    }
    alerts_ = std::make_unique<controller::AlertRouter>(
        global_, [this](const std::string& name, const std::string& ns) -> std::shared_ptr<notifier::Notifier> {
          auto it = providers_.find(name + "." + ns);
          return it == providers_.end() ? nullptr : it->second;
        });
    controller::EngineDeps deps{&clock_, &checker_, &hooks_, alerts_.get(), &recorder_, &recorder_};
    engine_ = std::make_unique<controller::Engine>(deps, controller::EngineOptions{});
  }

  // `kube` builds the backend of a scenario on Kubernetes objects (null: not in this build).
  int run(const BackendFactory& kube) {
    if (sc_.onKubernetes()) {
      if (!kube) {
        err_ << fmt::format("{}: this build cannot run scenarios on Kubernetes objects\n", sc_.file);
        return kExitInvalidScenario;
      }
      auto b = kube(sc_, clock_, random_);
      if (!b) {
        const Error& e = b.error();
        err_ << (e.pos.file.empty() ? sc_.file + ": " : std::string()) << e.format() << "\n";
        return kExitExpectationFailed;
      }
      backend_ = std::move(*b);
    } else {
      backend_ = makeMemoryBackend(sc_, clock_, random_);
    }
    rt_.resource = std::make_shared<const api::Canary>(backend_->canary());
    rt_.status = sc_.canary.status;
    rt_.target = &backend_->target();
    rt_.router = &backend_->router();
    for (size_t i = 0; i < sc_.steps.size(); ++i) {
      std::visit([&](const auto& body) { apply(i, body); }, sc_.steps[i].body);
      if (stopped_) break;
    }
    if (failures_ > 0) {
      err_ << fmt::format("{}: {} expectation(s) failed\n", sc_.file, failures_);
      return kExitExpectationFailed;
    }
    return kExitOk;
  }

 private:
  Duration interval() const {
    const auto& a = rt_.resource->spec.analysis;
    return a ? a->interval : Duration(std::chrono::seconds(60));
  }

  void fail(size_t i, const std::string& what, const std::string& expected, const std::string& found) {
    ++failures_;
    err_ << fmt::format("{}:{}: step {} ({}): {}\n  expected: {}\n  found:    {}\n", sc_.file, sc_.steps[i].line, i + 1,
                        sc_.steps[i].key, what, expected, found);
  }

  // A backend error stops the run: what follows would check a platform that did not do its part.
  bool ok(size_t i, const Status& st) {
    if (st.ok()) return true;
    ++failures_;
    stopped_ = true;
    err_ << fmt::format("{}:{}: step {} ({}): {}\n", sc_.file, sc_.steps[i].line, i + 1, sc_.steps[i].key,
                        st.error().format());
    return false;
  }

  void apply(size_t i, const TickStep& s) {
    for (int n = 0; n < s.count; ++n) {
      if (!ok(i, backend_->settle())) return;
      clock_.advance(interval());
      recorder_.current = TickRecord{};
      backend_->ticking(true);
      engine_->tick(rt_);
      backend_->ticking(false);
      if (!ok(i, backend_->publishStatus(rt_.status))) return;
      ++ticks_;
      for (auto& call : hooks_.takeCalls()) {
        recorder_.current.webhooks.push_back(
            {call.name, api::toString(call.type), call.payload.phase, call.outcome, call.ok, call.error});
      }
      auto routes = backend_->router().getRoutes(*rt_.resource, rt_.status);
      TickRecord& rec = recorder_.current;
      rec.tick = ticks_;
      rec.time = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - start_);
      rec.phase = api::toString(rt_.status.phase);
      if (routes) rec.routes = *routes;
      rec.statusWeight = rt_.status.canaryWeight;
      rec.failedChecks = rt_.status.failedChecks;
      rec.iterations = rt_.status.iterations;
      if (!opt_.quiet) out_ << (opt_.format == OutputFormat::Json ? formatJson(rec) : formatText(rec));
    }
  }
  void apply(size_t i, const ReadyStep&) { platformStep(i); }
  void apply(size_t i, const RevisionStep&) { platformStep(i); }
  void apply(size_t i, const ConfigsStep&) { platformStep(i); }
  void apply(size_t i, const ApplyStep&) { platformStep(i); }
  void apply(size_t i, const DumpStep& d) {
    if (!ok(i, backend_->settle())) return;
    for (const auto& ref : d.refs) {
      auto o = backend_->object(ref);
      if (!o) {
        ok(i, Status(o.error()));
        return;
      }
      if (opt_.quiet) continue;
      if (opt_.format == OutputFormat::Json) {
        out_ << nlohmann::json{{"dump", ref}, {"step", i + 1}, {"object", *o}}.dump() << "\n";
      } else {
        auto text = yaml::emitYaml(*o);
        out_ << fmt::format("--- # {} after step {}\n", ref, i + 1)
             << (text ? *text : fmt::format("# not printable as YAML: {}\n", text.error().message));
      }
    }
  }
  void platformStep(size_t i) { ok(i, backend_->step(sc_.steps[i])); }
  void apply(size_t, const MetricsStep& s) {
    for (const auto& [name, a] : s.answers) checker_.set(name, a);
  }
  void apply(size_t, const WebhooksStep& s) {
    for (const auto& [name, a] : s.answers) hooks_.set(name, a);
  }
  void apply(size_t, const ProvidersStep& s) { checker_.setProvidersError(s.error); }
  void apply(size_t, const SpecStep& s) {
    auto next = std::make_shared<api::Canary>(*rt_.resource);
    if (s.suspend) next->spec.suspend = *s.suspend;
    if (s.skipAnalysis) next->spec.skipAnalysis = *s.skipAnalysis;
    rt_.resource = std::move(next);
  }
  void apply(size_t i, const ExpectStep& e) {
    if (!ok(i, backend_->settle())) return;
    const auto& st = rt_.status;
    auto routes = backend_->router().getRoutes(*rt_.resource, st).valueOr(router::Routes{});
    auto check = [&](const char* what, const auto& expected, const auto& found) {
      if (expected && *expected != found) fail(i, what, fmt::format("{}", *expected), fmt::format("{}", found));
    };
    check("phase", e.phase, std::string(api::toString(st.phase)));
    check("canaryWeight", e.canaryWeight, routes.weights.canary());
    check("primaryWeight", e.primaryWeight, routes.weights.primary());
    check("statusWeight", e.statusWeight, st.canaryWeight);
    check("failedChecks", e.failedChecks, st.failedChecks);
    check("iterations", e.iterations, st.iterations);
    check("mirror", e.mirror, routes.mirror == router::Mirror::Yes);
    check("sessionAffinityCookie (set)", e.sessionAffinityCookie, !st.sessionAffinityCookie.empty());
    check("previousSessionAffinityCookie (set)", e.previousSessionAffinityCookie,
          !st.previousSessionAffinityCookie.empty());
    if (!e.routes.empty()) {
      auto configured = backend_->routes(st);
      if (!configured) return fail(i, "routes", "readable routes", configured.error().format());
      for (const auto& [name, want] : e.routes) {
        const auto it = configured->find(name);
        check(("routes." + name).c_str(), std::optional<int32_t>(want), it == configured->end() ? 0 : it->second);
      }
    }
  }
  void apply(size_t i, const ExpectEventStep& e) {
    auto matches = [&](const controller::Event& ev) {
      return ev.message == e.message && (!e.type || *e.type == controller::toString(ev.type));
    };
    size_t found = recorder_.all.size();
    for (size_t k = cursor_; k < recorder_.all.size(); ++k) {
      if (matches(recorder_.all[k])) {
        found = k;
        break;
      }
    }
    const std::string expected = (e.type ? *e.type + " " : std::string()) + "\"" + e.message + "\"";
    if (e.negate) {
      if (found != recorder_.all.size()) fail(i, "event emitted", "no " + expected, "it was emitted");
      return;
    }
    if (found == recorder_.all.size()) {
      std::string seen;
      for (size_t k = cursor_; k < recorder_.all.size(); ++k) {
        seen += fmt::format("\n    {} {}", controller::toString(recorder_.all[k].type), recorder_.all[k].message);
      }
      fail(i, "event not emitted since the previous expectEvent", expected,
           seen.empty() ? "no events" : "these events:" + seen);
      return;
    }
    cursor_ = found + 1;
  }
  void apply(size_t i, const ExpectAlertStep& e) {
    for (size_t k = alertCursor_; k < recorder_.allAlerts.size(); ++k) {
      if (recorder_.allAlerts[k] == e.message) {
        alertCursor_ = k + 1;
        return;
      }
    }
    fail(i, "alert not sent since the previous expectAlert", "\"" + e.message + "\"", "not sent");
  }

  const Scenario& sc_;
  const SimulateOptions& opt_;
  std::ostream& out_;
  std::ostream& err_;
  ManualClock clock_;
  Clock::TimePoint start_;
  SeededRandom random_;
  controller::ScriptedChecker checker_;
  webhooks::ScriptedWebhookCaller hooks_;
  notifier::RecordingNotifier global_{"global"};
  std::map<std::string, std::shared_ptr<notifier::RecordingNotifier>> providers_;
  std::unique_ptr<controller::AlertRouter> alerts_;
  Recorder recorder_;
  controller::CanaryRuntime rt_;
  std::unique_ptr<controller::Engine> engine_;
  std::unique_ptr<Backend> backend_;  // declared last: destroyed first, while the clock lives
  bool stopped_ = false;
  int ticks_ = 0;
  int failures_ = 0;
  size_t cursor_ = 0;
  size_t alertCursor_ = 0;
};

}  // namespace

int runScenario(const Scenario& scenario, const SimulateOptions& options, std::ostream& out, std::ostream& err) {
  // The engine logs failures it only reports (e.g. a failing event webhook); in a simulation they
  // are already in the per-tick output, and log lines on stdout would break -o json.
  const auto level = spdlog::get_level();
  spdlog::set_level(spdlog::level::off);
  Run run(scenario, options, out, err);
  const int rc = run.run(options.kube);
  spdlog::set_level(level);
  return rc;
}

int runScenarioFile(const std::string& path, const SimulateOptions& options, std::ostream& out, std::ostream& err) {
  ErrorList errors;
  auto sc = loadScenario(path, &errors);
  if (!sc) {
    for (const auto& e : errors) err << e.format() << "\n";
    err << fmt::format("{}: invalid scenario ({} error(s))\n", path, errors.size());
    return kExitInvalidScenario;
  }
  for (const auto& w : sc->warnings) err << "warning: " << w.format() << "\n";
  return runScenario(*sc, options, out, err);
}

}  // namespace aviary::simulate
