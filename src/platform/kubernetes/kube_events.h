#pragma once
// The Kubernetes platform's EventSink: every engine event becomes a core/v1 Event on the Canary,
// as Flagger's client-go event recorder writes them (flagger-integration.md §1.17): reason
// `Synced`, type Normal/Warning, source component `flagger`, involvedObject the Canary (with its
// uid, so `kubectl describe canary` finds them). Like the recorder's correlator, an event whose
// type and text repeat one of the last 32 distinct events of the same canary within 10 minutes
// bumps that Event's `count` and `lastTimestamp` (a PATCH) instead of creating another.
//
// Writes are synchronous on the tick's thread (bounded by the client's timeout and rate limit);
// a failed write is logged, never fails the tick. Thread-safe.
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "controller/event_sink.h"
#include "kube/client.h"

namespace aviary::platform::kubernetes {

class KubeStore;

class KubeEventSink final : public controller::EventSink {
 public:
  // `print` (optional) also receives every event (the controller's log line).
  KubeEventSink(kube::Client& client, const KubeStore& store, const Clock& clock,
                std::function<void(const api::Canary&, const controller::Event&)> print = {});
  void record(const api::Canary& canary, const controller::Event& event) override;
  uint64_t written() const;

 private:
  struct Seen {
    std::string name;  // the Event object
    int count = 0;
    Clock::TimePoint at;
  };
  using Recent = std::map<std::string, Seen>;  // "type/message" → its Event
  kube::Client& client_;
  const KubeStore& store_;
  const Clock& clock_;
  std::function<void(const api::Canary&, const controller::Event&)> print_;
  mutable std::mutex mu_;
  std::map<std::string, Recent> recent_;  // "ns/name" of the canary → its recent events
  uint64_t seq_ = 0;
  uint64_t written_ = 0;
};

}  // namespace aviary::platform::kubernetes
