// `aviary demo`: the seed's story on this machine, live (docs/demo.md). podinfo 3.1.0 and the load
// tester start as local workloads; 3.1.1 is released and promoted step by step under the seed's
// webhooks and checks; then a faulty 3.1.2 is released, fails its checks and is rolled back while
// the primary keeps serving 3.1.1. Exit 0 when the story went as it should, 1 otherwise, 130 on
// Ctrl-C; every process it started is stopped in all cases.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <deque>
#include <functional>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/demo_view.h"
#include "cli/local_controller.h"
#include "common/atomic_file.h"
#include "common/http_client.h"
#include "common/log.h"
#include "controller/event_log.h"
#include "platform/local/autoscaler.h"
#include "platform/local/local_platform.h"

namespace aviary::cli {


namespace {

namespace fs = std::filesystem;
using Clock_ = std::chrono::steady_clock;

struct DemoOptions {
  std::string scenario = "default";
  std::string examples;
  bool realTime = false;
  bool keep = false;
  std::string logLevel = "warning";
  bool autoscaling = false;  // the seed's second part (examples/local-autoscaling)
};

// "  replicas  podinfo-primary 5/5 ready (HPA podinfo-total-primary: 11.8 req/s per replica, target 10)"
// lines for the canary's two sets, from the supervisor and the autoscaler's last reconcile.
std::string replicasText(LocalController& lc) {
  std::string out;
  const auto hpas = lc.autoscaler().status();
  for (const char* set : {"podinfo-primary", "podinfo"}) {
    const auto st = lc.platform().supervisor().status(platform::local::setKey("test", set));
    out += fmt::format("  {:<8} {:<16} {}/{} ready", std::string(set) == "podinfo" ? "canary" : "primary", set,
                       st.ready, st.desired);
    for (const auto& h : hpas) {
      if (h.target != set || h.namespace_ != "test") continue;
      out += fmt::format("   HPA {} ({}–{})", h.name, h.minReplicas, h.maxReplicas);
      for (const auto& m : h.metrics)
        out += m.value ? fmt::format(": {:.1f}/{:g} {}", *m.value, m.target, m.name) : fmt::format(": {} -", m.name);
    }
    out += "\n";
  }
  return out;
}

int desiredOf(LocalController& lc, const char* set) {
  return lc.platform().supervisor().status(platform::local::setKey("test", set)).desired;
}

// examples/ next to the working directory, or next to the source tree the binary was built in.
std::string findExamples(const std::string& given) {
  if (!given.empty()) return given;
  for (const std::string c : {"examples", "../examples", "../../examples", "../../../examples"}) {
    if (fs::exists(c + "/local/podinfo.yaml")) return c;
  }
  std::error_code ec;
  const auto self = fs::read_symlink("/proc/self/exe", ec).parent_path();
  for (auto p = self; !p.empty() && p != p.root_path(); p = p.parent_path()) {
    if (fs::exists(p / "examples/local/podinfo.yaml")) return (p / "examples").string();
  }
  return "";
}

// The demo's own clients: requests to the apex service through the mesh, as users would send
// them, tallied by the version that answered. Bounded: stops with the demo.
class Traffic {
 public:
  // `weight` tells the canary's current weight, or -1 outside an analysis; the tally by weight is
  // what the proxy's split actually did at each step.
  Traffic(std::string proxy, int rps, std::function<int()> weight)
      : proxy_(std::move(proxy)), rps_(rps), weight_(std::move(weight)) {}
  ~Traffic() { stop(); }
  void start() {
    thread_ = std::thread([this] {
      auto next = Clock_::now();
      while (!stop_) {
        next += std::chrono::microseconds(1000000 / rps_);
        http::Request r;
        r.url = "http://podinfo.test:9898/";
        r.proxy = proxy_;
        r.timeout = std::chrono::seconds(2);
        const int weight = weight_();
        auto res = http::perform(r);
        std::string version = "error";
        if (res && res->status == 200) {
          auto j = nlohmann::json::parse(res->body, nullptr, false);
          if (!j.is_discarded()) version = j.value("version", "?");
        } else if (res) {
          version = fmt::format("HTTP {}", res->status);
        }
        {
          std::lock_guard lock(mu_);
          ++total_[version];
          if (weight >= 0 && !release_.empty()) ++byWeight_[release_][weight][version];
          recent_.push_back({Clock_::now(), version});
          while (!recent_.empty() && recent_.front().first < Clock_::now() - std::chrono::seconds(5)) recent_.pop_front();
        }
        std::this_thread::sleep_until(next);
      }
    });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::string, long> total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  // The release whose analysis the next requests belong to (tallied by weight).
  void analysing(const std::string& release) {
    std::lock_guard lock(mu_);
    release_ = release;
  }
  DemoView::Split byWeight() const {
    std::lock_guard lock(mu_);
    return byWeight_;
  }
  // Requests per second over the last 5 s, by version.
  std::map<std::string, double> rate() const {
    std::lock_guard lock(mu_);
    std::map<std::string, double> out;
    for (const auto& [t, v] : recent_) out[v] += 1.0 / 5;
    return out;
  }

 private:
  std::string proxy_;
  int rps_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::function<int()> weight_;
  std::map<std::string, long> total_;
  std::string release_;
  DemoView::Split byWeight_;
  std::deque<std::pair<Clock_::time_point, std::string>> recent_;
};

std::string serving(const std::string& proxy) {
  http::Request r;
  r.url = "http://podinfo.test:9898/version";
  r.proxy = proxy;
  r.timeout = std::chrono::seconds(2);
  auto res = http::perform(r);
  if (!res || res->status != 200) return "";
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  return j.is_discarded() ? "" : j.value("version", "");
}

int runDemo(const DemoOptions& d, LocalControllerOptions o) {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGHUP);  // a closed terminal stops it as gracefully as Ctrl-C
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  setLogLevel(d.logLevel);
  const std::string examples = findExamples(d.examples);
  if (examples.empty()) {
    std::fprintf(stderr, "aviary demo: cannot find examples/local (run it from the repository, or pass --examples)\n");
    return 2;
  }
  char tmpl[] = "/tmp/aviary-demo-XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::fprintf(stderr, "aviary demo: cannot create a temporary directory\n");
    return 2;
  }
  const std::string work = tmpl;
  const std::string dir = work + "/manifests";
  fs::create_directories(dir);
  for (const char* f : {"podinfo.yaml", "loadtester.yaml", "metrics-404.yaml"}) fs::copy_file(examples + "/local/" + f, dir + "/" + f);
  if (d.autoscaling) {
    for (const char* f : {"canary.yaml", "podinfo-total.yaml"})
      fs::copy_file(examples + "/local-autoscaling/" + f, dir + "/" + f);
  } else {
    fs::copy_file(examples + (d.scenario == "404" ? "/local-404/canary.yaml" : "/local/canary.yaml"), dir + "/canary.yaml");
  }

  const bool tty = isatty(STDOUT_FILENO);
  DemoView view(tty);
  o.dir = dir;
  o.stateDir = work + "/state";
  o.port = 0;
  o.scrapeInterval = std::chrono::seconds(1);
  if (!d.realTime) {
    o.timeScale = 5.0 / 60;  // the seed's 1m interval becomes 5 s
    o.minInterval = std::chrono::seconds(1);
    // The HPAs reconcile every second on a 3 s rate() window, so that the canary's replicas
    // follow each 5 s step of the weight.
    o.hpaSyncPeriod = std::chrono::seconds(12);
    o.hpaRateWindow = std::chrono::seconds(36);
  }
  o.print = [&view](const std::string& line) { view.log(line); };
  if (d.autoscaling) {
    view.story("the canary scaled to 4 replicas at 30 % during the analysis, 3.1.1 promoted, the primary's HPA took over");
    view.heading(fmt::format("Aviary demo: podinfo's canary scaled on its request rate by the HPA podinfo-total during "
                             "the analysis ({} ticks, 60 req/s through podinfo.test)",
                             d.realTime ? "1m" : "5s"));
  } else {
    view.heading(fmt::format("Aviary demo: the seed's canary release of podinfo on this machine (scenario {}, {} ticks)",
                             d.scenario, d.realTime ? "1m" : "5s"));
  }
  auto lcr = LocalController::start(o);
  if (!lcr) {
    std::fprintf(stderr, "aviary demo: %s\n", lcr.error().format().c_str());
    fs::remove_all(work);
    return 1;
  }
  auto& lc = **lcr;
  const std::string proxy = lc.platform().mesh().proxyUrl();
  auto canaryWeight = [&lc]() -> int {
    auto c = lc.platform().memoryStore().getCanary("test", "podinfo");
    return c && c->status.phase == api::Phase::Progressing ? c->status.canaryWeight : -1;
  };
  // The seed's second part sends its load through the ingress: 60 req/s here, of which 18 reach
  // the canary at 30 %; with the seed's load test (20 req/s to podinfo-canary) that is 38 req/s,
  // which the HPA's 10 req/s per replica turns into 4 replicas.
  Traffic traffic(proxy, d.autoscaling ? 60 : 20, canaryWeight);
  // The load starts once podinfo 3.1.0 answers (users come to a running service: before its
  // first replica is ready the mesh could only answer 503) and, with autoscaling, once the Canary
  // has taken podinfo over, so that the HPA scales the canary and the primary only (not the plain
  // workload before its initialization).
  const auto begin = Clock_::now();
  const Duration tick = d.realTime ? Duration(60000) : Duration(5000);
  bool interrupted = false;
  auto phase = [&] {
    auto c = lc.platform().memoryStore().getCanary("test", "podinfo");
    return c ? c->status : api::CanaryStatus{};
  };
  auto hasEvent = [&](const std::string& m, size_t from) {
    auto ev = lc.platform().eventLog().of("test", "podinfo");
    for (size_t i = from; i < ev.size(); ++i)
      if (ev[i].message == m) return true;
    return false;
  };
  // Waits for `done` while polling the manifests and redrawing; false on timeout or Ctrl-C.
  auto waitUntil = [&](const std::function<bool()>& done, Duration timeout) {
    const auto end = Clock_::now() + timeout;
    while (Clock_::now() < end) {
      lc.poll();
      if (d.autoscaling) view.replicas(replicasText(lc));
      view.render(lc.platform().memoryStore().getCanary("test", "podinfo"), lc.lastValues("test", "podinfo"),
                  traffic.rate(), lc.platform().eventLog().of("test", "podinfo"),
                  std::chrono::duration<double>(Clock_::now() - begin).count());
      if (done()) return true;
      timespec ts{0, 500 * 1000000L};
      if (sigtimedwait(&sigs, nullptr, &ts) > 0) {
        interrupted = true;
        return false;
      }
    }
    return false;
  };
  auto release = [&](const std::string& version, const std::string& fault) {
    std::string text = readWholeFile(dir + "/podinfo.yaml").valueOr("");
    const auto at = text.find("version: \"");
    text.replace(at, text.find('"', at + 10) - at + 1, "version: \"" + version + "\"");
    if (!fault.empty()) {
      // Half of the answers faulted, except the acceptance test's POST /token: with it faulted
      // too, the pre-rollout check fails half the time, and five failures in a row (one run in
      // 32) roll the release back before any metric is read. The story is the metric checks
      // catching the fault.
      const std::string env = "  env:\n";
      text.replace(text.find(env), env.size(),
                   env + "  - {name: " + fault + ", value: \"0.5\"}\n  - {name: PODINFO_FAULT_SKIP_PATHS, value: /token}\n");
    }
    (void)writeFileAtomically(dir + "/podinfo.yaml", text);
    view.log(fmt::format("--- edited podinfo.yaml: version {}{} (like kubectl set image)", version,
                         fault.empty() ? "" : ", " + fault + "=0.5"));
  };

  std::vector<std::string> failures;
  std::vector<DemoView::Step> steps;
  auto step = [&](const std::string& what, const std::function<bool()>& body) {
    if (interrupted || !failures.empty()) return;
    const auto t0 = Clock_::now();
    if (!body()) {
      if (!interrupted) failures.push_back(what);
    }
    steps.push_back({what, std::chrono::duration<double>(Clock_::now() - t0).count()});
  };
  step("podinfo 3.1.0 initialized", [&] {
    if (!d.autoscaling) {
      if (!waitUntil([&] { return !serving(proxy).empty(); }, Duration(60000))) return false;
      traffic.start();
    }
    return waitUntil([&] { return phase().phase == api::Phase::Initialized; }, tick * 12 + Duration(60000));
  });
  size_t mark = 0;
  if (d.autoscaling) {
    traffic.start();
    int atThirty = 0;
    step("the canary scaled to 4 replicas at 30 % during the analysis", [&] {
      mark = lc.platform().eventLog().of("test", "podinfo").size();
      traffic.analysing("3.1.1");
      release("3.1.1", "");
      return waitUntil(
          [&] {
            if (phase().phase == api::Phase::Progressing && phase().canaryWeight == 30)
              atThirty = std::max(atThirty, desiredOf(lc, "podinfo"));
            return atThirty >= 4;
          },
          tick * 25);
    });
    step("podinfo 3.1.1 promoted", [&] {
      return waitUntil([&] { return hasEvent("Promotion completed! Scaling down podinfo.test", mark); }, tick * 25);
    });
    step("the canary at 0, the primary's HPA sizes the primary for the whole load", [&] {
      // 60 req/s at 10 per replica: 6, the HPA's maximum 5.
      return waitUntil([&] { return desiredOf(lc, "podinfo") == 0 && desiredOf(lc, "podinfo-primary") == 5; },
                       tick * 6);
    });
    step("the primary serves 3.1.1", [&] { return waitUntil([&] { return serving(proxy) == "3.1.1"; }, tick * 4); });
  } else {
    step("podinfo 3.1.1 promoted", [&] {
      mark = lc.platform().eventLog().of("test", "podinfo").size();
      traffic.analysing("3.1.1");
      release("3.1.1", "");
      return waitUntil([&] { return hasEvent("Promotion completed! Scaling down podinfo.test", mark); }, tick * 25);
    });
    step("the primary serves 3.1.1", [&] { return waitUntil([&] { return serving(proxy) == "3.1.1"; }, tick * 4); });
    const std::string fault = d.scenario == "404" ? "PODINFO_FAULT_404_RATIO" : "PODINFO_FAULT_5XX_RATIO";
    step("faulty podinfo 3.1.2 rolled back", [&] {
      mark = lc.platform().eventLog().of("test", "podinfo").size();
      traffic.analysing("3.1.2");
      release("3.1.2", fault);
      return waitUntil([&] { return hasEvent("Canary failed! Scaling down podinfo.test", mark); }, tick * 25);
    });
    step("the primary still serves 3.1.1", [&] {
      return waitUntil([&] { return phase().phase == api::Phase::Failed && serving(proxy) == "3.1.1"; }, tick * 4);
    });
  }
  traffic.stop();
  const double total = std::chrono::duration<double>(Clock_::now() - begin).count();
  auto events = lc.platform().eventLog().of("test", "podinfo");
  lc.stop(Duration(10000));
  view.summary(steps, failures, traffic.total(), events, total, interrupted);
  view.split(traffic.byWeight());
  if (!d.keep) fs::remove_all(work);
  if (interrupted) return 130;
  return failures.empty() ? 0 : 1;
}

}  // namespace

void addDemoCommand(CLI::App& app, Runner& run) {
  auto d = std::make_shared<DemoOptions>();
  auto o = std::make_shared<LocalControllerOptions>();
  auto* cmd = app.add_subcommand("demo", "Run the seed's canary release on this machine: a promotion, then a rollback");
  cmd->add_option("--scenario", d->scenario, "default (5xx fault) or 404 (the seed's 404 MetricTemplate)")
      ->check(CLI::IsMember({"default", "404"}))
      ->capture_default_str();
  cmd->add_flag("--autoscaling", d->autoscaling,
                "The seed's second part: the HPA podinfo-total scales the canary on its request rate during the "
                "analysis, then the primary's clone takes over (examples/local-autoscaling)");
  cmd->add_flag("--real-time", d->realTime, "Keep the seed's intervals (interval: 1m; about 25 minutes)");
  cmd->add_option("--examples", d->examples, "The examples directory (default: found from here or the binary)");
  cmd->add_flag("--keep", d->keep, "Keep the demo's temporary directory (manifests, state, replica logs)");
  cmd->add_option("--log-level", d->logLevel, "debug, info, warning, error")->capture_default_str();
  cmd->callback([d, o, &run] { run = [d, o] { return runDemo(*d, *o); }; });
}

}  // namespace aviary::cli
