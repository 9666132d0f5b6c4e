#pragma once
// The canary analysis engine: Flagger's per-canary scheduler function (advanceCanary), one tick
// at a time, over abstract interfaces only (Target, Router, MetricChecker, WebhookCaller,
// AlertRouter, EventSink, Clock). The phase handlers live in controller/phases/; the state
// machine is documented in docs/engine.md.
//
// Threading: an Engine is stateless between ticks and may tick different canaries from
// different threads as long as its dependencies are thread-safe; ticks of one canary must not
// overlap (the caller's job, as Flagger's per-canary jobs guarantee).
#include <memory>
#include <optional>
#include <string>

#include "api/canary.h"
#include "common/clock.h"
#include "controller/alerts.h"
#include "controller/event_sink.h"
#include "controller/history.h"
#include "controller/manual.h"
#include "controller/observer.h"
#include "controller/recorder.h"
#include "controller/target.h"
#include "metrics/checker.h"
#include "router/router.h"
#include "webhooks/webhook.h"

namespace aviary::controller {

struct EngineOptions {
  std::string meshProvider = "istio";  // the global provider when spec.provider is empty
  std::string eventWebhook;            // global event webhook URL (used when a canary has no event hooks)
};

// Everything the engine keeps about one canary between ticks.
struct CanaryRuntime {
  // The resource as applied (spec + metadata; its `status` member is not used). Immutable and
  // shareable: a spec change replaces the pointer.
  std::shared_ptr<const api::Canary> resource;
  api::CanaryStatus status;  // the live status, written by the engine
  Target* target = nullptr;           // not owned
  router::Router* router = nullptr;   // not owned
  // A manual action to apply at the next tick (controller/manual.h); the tick consumes it. A
  // paused canary (its status' Paused condition) is not analysed until resumed.
  std::optional<ManualAction> action;
};

struct EngineDeps {
  const Clock* clock = nullptr;
  metrics::MetricChecker* checker = nullptr;
  webhooks::WebhookCaller* webhooks = nullptr;
  AlertRouter* alerts = nullptr;
  EventSink* events = nullptr;
  TickObserver* observer = nullptr;  // optional
  Recorder* recorder = nullptr;      // optional (Flagger's controller metrics)
  AnalysisTap* tap = nullptr;        // optional (the rollout history, controller/history.h)
};

class Engine {
 public:
  Engine(EngineDeps deps, EngineOptions options) : deps_(deps), options_(std::move(options)) {}

  // One scheduler run for the canary. Never throws; every failure becomes a warning event.
  void tick(CanaryRuntime& canary) const;

  const EngineOptions& options() const { return options_; }

 private:
  EngineDeps deps_;
  EngineOptions options_;
};

}  // namespace aviary::controller
