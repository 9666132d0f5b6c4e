#pragma once
// Where the engine's events go (Kubernetes Events, the local event log, simulate's output).
// Every event is recorded through one function (Engine's recordEvent), which also forwards it to
// the event webhooks; the sink only stores/prints it.
#include <string>

#include "api/canary.h"
#include "common/clock.h"

namespace aviary::controller {

enum class EventType { Normal, Warning };
const char* toString(EventType t);  // "Normal" | "Warning"

struct Event {
  EventType type = EventType::Normal;
  std::string message;
  api::Phase phase = api::Phase::None;  // the phase carried by the event-webhook payload (§6.4)
  Clock::TimePoint time;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // `canary` identifies the involved object (name, namespace). Reason is always "Synced".
  virtual void record(const api::Canary& canary, const Event& event) = 0;
};

class NopEventSink final : public EventSink {
 public:
  void record(const api::Canary&, const Event&) override {}
};

}  // namespace aviary::controller
