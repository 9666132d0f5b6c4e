// bench/controller: N canaries (default 10,000) in one process on the in-memory platform, under
// the real runtime (runtime/runtime.h), each in a long canary analysis (step 1 up to 99) with
// 10 s intervals. Every tick calls one rollout webhook and one builtin Prometheus query over
// loopback HTTP — the real HttpWebhookCaller and PrometheusChecker — answered by a forked
// server after a uniform 5-50 ms. Reports resident memory, CPU per tick, and tick lateness
// (p50/p99/max) over the measured window, after the analyses have started.
//
//   controller_bench [--canaries N] [--seconds S] [--interval-ms I]
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "api/decode.h"
#include "common/http_server.h"
#include "controller/alerts.h"
#include "metrics/prometheus_checker.h"
#include "notifier/notifier.h"
#include "platform/memory/memory_platform.h"
#include "runtime/controller_metrics.h"
#include "runtime/live_config.h"
#include "runtime/runtime.h"
#include "webhooks/http_caller.h"

using namespace aviary;

namespace {

long rssKb() {
  std::ifstream s("/proc/self/status");
  std::string line;
  while (std::getline(s, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The loopback peer: answers webhooks (200) and Prometheus queries (a value of 100) after a
// uniform 5-50 ms, one thread per connection. Runs in a child process so that its CPU is not
// counted as the controller's.
[[noreturn]] void serve(int port, int readyFd) {
  std::mt19937 gen(7);
  std::mutex mu;
  http::HttpServer::Options o;
  o.maxConnections = 4096;
  auto srv = http::HttpServer::start(
      "127.0.0.1", static_cast<uint16_t>(port),
      [&](const http::ServerRequest& r) {
        int ms;
        {
          std::lock_guard lock(mu);
          ms = std::uniform_int_distribution<int>(5, 50)(gen);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        if (r.path.rfind("/api/v1/query", 0) == 0) {
          return http::ServerResponse::json(
              200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"100"]}]}})");
        }
        return http::ServerResponse::text(200, "ok");
      },
      o);
  if (!srv) {
    std::fprintf(stderr, "server: %s\n", srv.error().format().c_str());
    _exit(1);
  }
  const uint16_t p = (*srv)->port();
  (void)!write(readyFd, &p, sizeof p);
  for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
  mallopt(M_ARENA_MAX, 4);  // as `aviary` does (src/cli/main.cpp)
  int n = 10000;
  int seconds = 60;
  int intervalMs = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--canaries")) n = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--interval-ms")) intervalMs = std::atoi(argv[i + 1]);
  }
  int fds[2];
  if (pipe(fds) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the bench, however it ends
    serve(0, fds[1]);
  }
  uint16_t port = 0;
  if (read(fds[0], &port, sizeof port) != sizeof port) return 1;
  const std::string peer = fmt::format("http://127.0.0.1:{}", port);

  const std::string yaml = fmt::format(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {{name: c, namespace: bench}}
spec:
  targetRef: {{apiVersion: apps/v1, kind: Deployment, name: c}}
  service: {{port: 9898}}
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 99
    stepWeight: 1
    metrics:
    - name: request-success-rate
      thresholdRange: {{min: 99}}
      interval: 1m
    webhooks:
    - name: load-test
      url: {}/
      timeout: 5s
      metadata: {{cmd: "hey -z 1m -q 10 -c 2 http://NAME-canary.bench:9898/"}}
)",
                                       peer);
  auto loaded = api::loadString(yaml, "bench.yaml");
  if (!loaded.ok()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "bench canary: %s\n", e.format().c_str());
    return 1;
  }
  const api::Canary base = loaded.canaries.front();

  SystemClock clock;
  platform::MemoryPlatform platform(clock);
  runtime::ControllerMetrics metrics("bench", "istio");
  metrics::PrometheusCheckerOptions co;
  co.defaultAddress = peer;
  metrics::PrometheusChecker checker(std::make_shared<runtime::StoreTemplateSource>(platform.memoryStore()), nullptr, co);
  webhooks::HttpWebhookCaller hooks;
  notifier::NopNotifier global;
  controller::AlertRouter alerts(global, nullptr);
  runtime::RuntimeOptions ro;
  ro.timeScale = intervalMs / 60000.0;
  ro.minInterval = Duration(1);
  runtime::RuntimeDeps rd{&platform, &checker, &hooks, &alerts, &clock, &metrics};
  runtime::Runtime rt(rd, ro);

  const long rss0 = rssKb();
  for (int i = 0; i < n; ++i) {
    api::Canary c = base;
    c.metadata.name = fmt::format("c{}", i);
    c.spec.targetRef.name = c.metadata.name;
    c.positions.clear();
    platform.memoryStore().applyCanary(std::move(c));
  }
  const auto t0 = std::chrono::steady_clock::now();
  rt.start();
  auto count = [&](api::Phase p) {
    int k = 0;
    for (const auto& c : platform.memoryStore().listCanaries()) k += c->status.phase == p;
    return k;
  };
  // Progress on stderr once a second, so that a long start is visibly moving.
  auto waitFor = [&](api::Phase p, const char* what) {
    for (int k = 0;; ++k) {
      const int done = count(p);
      if (done >= n) break;
      if (k % 10 == 0) std::fprintf(stderr, "  %s: %d/%d\n", what, done, n);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  waitFor(api::Phase::Initialized, "initialized");
  const double initSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (int i = 0; i < n; ++i) platform.target("bench", fmt::format("c{}", i))->setRevision({{"image", "podinfo:2"}});
  waitFor(api::Phase::Progressing, "progressing");
  // Measure from here: every canary is in its analysis.
  std::this_thread::sleep_for(std::chrono::milliseconds(intervalMs));
  rt.resetLateness();
  const auto before = rt.lateness().ticks;
  const double cpu0 = cpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const double cpu = cpuSeconds() - cpu0;
  const auto late = rt.lateness();
  const long rss = rssKb();
  const uint64_t ticks = late.ticks - before;
  std::printf("canaries %d  interval %d ms  measured %d s\n", n, intervalMs, seconds);
  std::printf("initialized all in %.1f s\n", initSeconds);
  std::printf("ticks %llu (%.0f/s)  cpu %.2f s  cpu/tick %.1f us\n", static_cast<unsigned long long>(ticks),
              ticks / static_cast<double>(seconds), cpu, ticks ? cpu / ticks * 1e6 : 0.0);
  std::printf("lateness p50 %.1f ms  p99 %.1f ms  max %.1f ms\n", late.p50 * 1e3, late.p99 * 1e3, late.max * 1e3);
  std::printf("rss %.1f MB (before canaries %.1f MB)  %.1f KiB/canary\n", rss / 1024.0, rss0 / 1024.0,
              (rss - rss0) / static_cast<double>(n));
  rt.stop(Duration(30000));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  return 0;
}
