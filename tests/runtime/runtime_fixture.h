#pragma once
// Shared pieces of the runtime tests: a MemoryPlatform with a Runtime on the real clock and
// short (scaled) intervals, thread-safe scripted webhooks and metrics, and canary builders.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "api/decode.h"
#include "platform/memory/memory_platform.h"
#include "runtime/controller_metrics.h"
#include "runtime/runtime.h"
#include "webhooks/webhook.h"

namespace aviary::runtime {

// Polls `pred` every 2 ms until true or `timeout` (a bounded wait on real threads, not a sleep
// that hopes the work is done).
inline bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

// A canary of the seed's shape (interval 1m, threshold 5, max 50, step 10) with `extra` YAML
// appended under spec.analysis.
inline api::Canary makeCanary(const std::string& name, const std::string& analysisExtra = "",
                              const std::string& specExtra = "") {
  const std::string yaml = fmt::format(R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: {0}
  namespace: test
spec:
  targetRef: {{apiVersion: apps/v1, kind: Deployment, name: {0}}}
  service: {{port: 9898}}
{2}  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
    - name: request-success-rate
      thresholdRange: {{min: 99}}
      interval: 1m
{1})",
                                       name, analysisExtra, specExtra);
  auto loaded = api::loadString(yaml, name + ".yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors.front().format());
  EXPECT_EQ(loaded.canaries.size(), 1u);
  return loaded.canaries.empty() ? api::Canary{} : loaded.canaries.front();
}

// Webhooks answered OK at once, except those of canaries given a delay (and optionally a
// failure). Counts calls and the most calls of one canary in flight at once.
class ScriptedHooks final : public webhooks::WebhookCaller {
 public:
  Status call(const api::CanaryWebhook& hook, const webhooks::Payload& payload) override {
    std::chrono::milliseconds delay{0};
    bool fail = false;
    {
      std::lock_guard lock(mu_);
      ++calls_[payload.name];
      const int now = ++inFlight_[payload.name];
      maxInFlight_ = std::max(maxInFlight_, now);
      if (auto it = delays_.find(payload.name); it != delays_.end()) delay = it->second;
      fail = failing_.count(payload.name) > 0;
    }
    std::this_thread::sleep_for(delay);
    std::lock_guard lock(mu_);
    --inFlight_[payload.name];
    if (fail) return makeError(ErrorCode::Unavailable, "scripted failure");
    return okStatus();
  }
  void delay(const std::string& canary, std::chrono::milliseconds d, bool fail) {
    std::lock_guard lock(mu_);
    delays_[canary] = d;
    if (fail) failing_.insert(canary);
  }
  int calls(const std::string& canary) {
    std::lock_guard lock(mu_);
    return calls_[canary];
  }
  int maxInFlight() {
    std::lock_guard lock(mu_);
    return maxInFlight_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> calls_, inFlight_;
  std::map<std::string, std::chrono::milliseconds> delays_;
  std::set<std::string> failing_;
  int maxInFlight_ = 0;
};

// Every metric answers `value` (settable while running).
class ConstantChecker final : public metrics::MetricChecker {
 public:
  Status checkProviders(const api::Canary&) override { return okStatus(); }
  metrics::MetricAnswer evaluate(const api::Canary&, const api::CanaryMetric&) override {
    return metrics::MetricAnswer::ofValue(value.load());
  }
  std::atomic<double> value{100};
};

struct RuntimeFixture {
  // `intervalMs`: the effective tick period of a canary with `interval: 1m`.
  explicit RuntimeFixture(int intervalMs = 40, metrics::MetricChecker* checkerIn = nullptr, bool spreadCadence = false)
      : platform(clock), metrics("test", "istio"), alerts(global, nullptr) {
    RuntimeOptions o;
    o.timeScale = intervalMs / 60000.0;
    o.minInterval = Duration(1);
    o.spreadCadence = spreadCadence;  // off: Flagger's exact timing
    o.controlLoopInterval = Duration(50);
    RuntimeDeps d;
    d.platform = &platform;
    d.checker = checkerIn ? checkerIn : &checker;
    d.webhooks = &hooks;
    d.alerts = &alerts;
    d.clock = &clock;
    d.metrics = &metrics;
    runtime = std::make_unique<Runtime>(d, o);
  }
  ~RuntimeFixture() { runtime->stop(Duration(10000)); }

  std::shared_ptr<const api::Canary> get(const std::string& name) { return platform.memoryStore().getCanary("test", name); }
  api::Phase phase(const std::string& name) {
    auto c = get(name);
    return c ? c->status.phase : api::Phase::None;
  }
  bool waitPhase(const std::string& name, api::Phase p, std::chrono::milliseconds t = std::chrono::seconds(10)) {
    return waitFor([&] { return phase(name) == p; }, t);
  }
  bool hasEvent(const std::string& name, const std::string& message) {
    for (const auto& e : platform.eventLog().of("test", name))
      if (e.message == message) return true;
    return false;
  }
  std::string events(const std::string& name) {
    std::string out;
    for (const auto& e : platform.eventLog().of("test", name)) out += std::string(controller::toString(e.type)) + " " + e.message + "\n";
    return out;
  }
  // Releases a new revision of the canary's target (like `kubectl set image`).
  void release(const std::string& name, const std::string& image) {
    auto* t = platform.target("test", name);
    ASSERT_NE(t, nullptr);
    t->setRevision(nlohmann::json{{"image", image}});
  }

  SystemClock clock;
  platform::MemoryPlatform platform;
  ScriptedHooks hooks;
  ConstantChecker checker;
  ControllerMetrics metrics;
  notifier::NopNotifier global;
  controller::AlertRouter alerts;
  std::unique_ptr<Runtime> runtime;
};

}  // namespace aviary::runtime
