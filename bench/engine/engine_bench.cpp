// bench/engine: N canaries (default 10,000), each through a full rollout (Initialized -> new
// revision -> canary steps -> promotion -> Succeeded), in one process on one thread, with the
// in-memory target/router/checker/webhooks. Reports scheduler ticks per second and memory per
// canary (RSS growth / N) when idle after initialization and after the rollout.
//
//   engine_bench [--canaries N] [--canary FILE] [--spec copy|shared|copy-positions] [--idle-rounds R]
//
// --spec copy (default): every canary owns a private copy of the Canary resource, without the
//   decoder's field-position table (only used for load-time messages);
// --spec shared: all canaries share one immutable resource, so the figure is the engine's own
//   per-canary state (status, in-memory target and router, runtime);
// --spec copy-positions: private copies that keep the decoder's position table.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "api/decode.h"
#include "controller/engine.h"
#include "platform/memory/memory_target.h"
#include "platform/memory/scripted_checker.h"
#include "platform/memory/memory_router.h"
#include "webhooks/scripted_caller.h"

using namespace aviary;

namespace {

long rssBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

class CountingSink final : public controller::EventSink {
 public:
  void record(const api::Canary&, const controller::Event&) override { ++events; }
  long events = 0;
};

struct Slot {
  std::unique_ptr<controller::MemoryTarget> target;
  std::unique_ptr<router::MemoryRouter> router;
  controller::CanaryRuntime rt;
};

}  // namespace

int main(int argc, char** argv) {
  int n = 10000;
  int idleRounds = 20;
  std::string specMode = "copy";
  std::string file = std::string(AVIARY_SOURCE_DIR) + "/examples/seed/podinfo-canary.yaml";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--canaries") && i + 1 < argc) n = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--canary") && i + 1 < argc) file = argv[++i];
    else if (!std::strcmp(argv[i], "--idle-rounds") && i + 1 < argc) idleRounds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--spec") && i + 1 < argc) specMode = argv[++i];
    else {
      std::fprintf(stderr, "usage: engine_bench [--canaries N] [--canary FILE] [--spec copy|shared|copy-positions] "
                           "[--idle-rounds R]\n");
      return 2;
    }
  }
  auto loaded = api::loadFile(file);
  if (!loaded || !loaded->ok() || loaded->canaries.empty()) {
    std::fprintf(stderr, "cannot load a Canary from %s\n", file.c_str());
    return 2;
  }
  if (specMode != "copy" && specMode != "shared" && specMode != "copy-positions") {
    std::fprintf(stderr, "--spec must be copy, shared or copy-positions\n");
    return 2;
  }
  const bool shared = specMode == "shared";
  api::Canary base = loaded->canaries.front();
  if (specMode != "copy-positions") base.positions.clear();

  ManualClock clock(Clock::TimePoint(std::chrono::seconds(1767225600)));
  SeededRandom random(1);
  controller::ScriptedChecker checker;
  checker.set("request-success-rate", controller::ScriptedMetric::ofValue(99.9));
  checker.set("request-duration", controller::ScriptedMetric::ofValue(120));
  webhooks::ScriptedWebhookCaller hooks;
  hooks.setRecording(false);
  notifier::NopNotifier global;
  controller::AlertRouter alerts(global, nullptr);
  CountingSink sink;
  controller::Engine engine(controller::EngineDeps{&clock, &checker, &hooks, &alerts, &sink, nullptr}, {});

  const long rss0 = rssBytes();
  std::vector<Slot> slots(n);
  auto sharedSpec = std::make_shared<const api::Canary>(base);
  for (int i = 0; i < n; ++i) {
    auto& s = slots[i];
    s.target = std::make_unique<controller::MemoryTarget>(clock, nlohmann::json{{"image", "podinfo:3.1.0"}});
    s.router = std::make_unique<router::MemoryRouter>(random);
    if (shared) {
      s.rt.resource = sharedSpec;
    } else {
      auto own = std::make_shared<api::Canary>(base);
      own->metadata.name = "podinfo-" + std::to_string(i);
      s.rt.resource = std::move(own);
    }
    s.rt.target = s.target.get();
    s.rt.router = s.router.get();
  }

  long ticks = 0;
  auto round = [&] {
    clock.advance(std::chrono::seconds(60));
    for (auto& s : slots) engine.tick(s.rt);
    ticks += n;
  };
  auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };

  // Initialization, then idle ticks (nothing changed).
  const auto t0 = std::chrono::steady_clock::now();
  round();
  const long rssIdle = rssBytes();
  const auto t1 = std::chrono::steady_clock::now();
  for (int r = 0; r < idleRounds; ++r) round();
  const auto t2 = std::chrono::steady_clock::now();
  const long idleTicks = static_cast<long>(idleRounds) * n;

  // The rollout: a new revision everywhere, then rounds until every canary has succeeded.
  for (auto& s : slots) s.target->setRevision(nlohmann::json{{"image", "podinfo:3.1.1"}});
  const long ticksBefore = ticks;
  int rounds = 0;
  for (;;) {
    round();
    ++rounds;
    bool done = true;
    for (const auto& s : slots) done = done && s.rt.status.phase == api::Phase::Succeeded;
    if (done || rounds > 100) break;
  }
  const auto t3 = std::chrono::steady_clock::now();
  const long rolloutTicks = ticks - ticksBefore;
  const long rssAfter = rssBytes();
  for (const auto& s : slots) {
    if (s.rt.status.phase != api::Phase::Succeeded) {
      std::fprintf(stderr, "a canary did not succeed: phase %s\n", api::toString(s.rt.status.phase));
      return 1;
    }
  }

  std::printf("canaries              %d (--spec %s)\n", n, specMode.c_str());
  std::printf("rollout rounds        %d (analysis interval 1m, virtual)\n", rounds);
  std::printf("events recorded       %ld\n", sink.events);
  std::printf("init ticks/s          %.0f\n", n / seconds(t1 - t0));
  std::printf("idle ticks/s          %.0f (%ld ticks)\n", idleTicks / seconds(t2 - t1), idleTicks);
  std::printf("rollout ticks/s       %.0f (%ld ticks, %.3f s)\n", rolloutTicks / seconds(t3 - t2), rolloutTicks,
              seconds(t3 - t2));
  std::printf("all ticks/s           %.0f (%ld ticks)\n", ticks / seconds(t3 - t0), ticks);
  std::printf("memory/canary idle    %.0f bytes (after initialization)\n", double(rssIdle - rss0) / n);
  std::printf("memory/canary after   %.0f bytes (after the rollout)\n", double(rssAfter - rss0) / n);
  return 0;
}
