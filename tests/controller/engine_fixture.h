#pragma once
// A canary wired to the engine with every in-memory implementation (tests only).
#include <memory>
#include <string>
#include <vector>

#include "controller/engine.h"
#include "platform/memory/memory_target.h"
#include "platform/memory/scripted_checker.h"
#include "notifier/recording_notifier.h"
#include "platform/memory/memory_router.h"
#include "webhooks/scripted_caller.h"

namespace aviary::controller {

class RecordingSink final : public EventSink {
 public:
  void record(const api::Canary&, const Event& e) override { events.push_back(e); }
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.message);
    return out;
  }
  bool contains(const std::string& m) const {
    for (const auto& e : events) {
      if (e.message == m) return true;
    }
    return false;
  }
  std::vector<Event> events;
};

// podinfo.test with stepWeight 50 and a 1m interval.
inline api::Canary basicCanary() {
  api::Canary c;
  c.metadata.name = "podinfo";
  c.metadata.namespace_ = "test";
  c.spec.targetRef = {"apps/v1", "Deployment", "podinfo", ""};
  c.spec.service.port = 9898;
  c.spec.analysis = api::CanaryAnalysis{};
  auto& a = *c.spec.analysis;
  a.interval = std::chrono::seconds(60);
  a.threshold = 2;
  a.stepWeight = 50;
  api::CanaryMetric m;
  m.name = "request-success-rate";
  m.thresholdRange = api::ThresholdRange{99.0, std::nullopt};
  a.metrics.push_back(m);
  return c;
}

inline api::CanaryWebhook hook(std::string name, api::HookType type, std::map<std::string, std::string> meta = {}) {
  api::CanaryWebhook h;
  h.name = std::move(name);
  h.type = type;
  h.url = "http://hooks.test/" + h.name;
  h.metadata = std::move(meta);
  return h;
}

struct EngineFixture {
  explicit EngineFixture(api::Canary canary, EngineOptions options = {})
      : clock(Clock::TimePoint(std::chrono::seconds(1767225600))),
        random(1),
        target(clock, nlohmann::json{{"image", "podinfo:1"}}),
        router(random),
        alerts(global, nullptr),
        engine(EngineDeps{&clock, &checker, &hooks, &alerts, &sink, nullptr}, std::move(options)) {
    rt.resource = std::make_shared<const api::Canary>(std::move(canary));
    rt.target = &target;
    rt.router = &router;
  }
  void tick(int n = 1) {
    for (int i = 0; i < n; ++i) {
      clock.advance(std::chrono::seconds(60));
      engine.tick(rt);
    }
  }
  api::Phase phase() const { return rt.status.phase; }
  int32_t canaryWeight() { return router.routes().weights.canary(); }

  ManualClock clock;
  SeededRandom random;
  MemoryTarget target;
  router::MemoryRouter router;
  ScriptedChecker checker;
  webhooks::ScriptedWebhookCaller hooks;
  notifier::RecordingNotifier global{"global"};
  AlertRouter alerts;
  RecordingSink sink;
  Engine engine;
  CanaryRuntime rt;
};

}  // namespace aviary::controller
