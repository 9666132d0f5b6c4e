#pragma once
// An EventSink that keeps the last events of every canary in memory (Kubernetes keeps Events for
// an hour; we keep a count), for `aviary status`, the status API and tests. Optionally forwards
// each event to another sink (e.g. a log printer or a persistent journal).
// Thread-safe.
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controller/event_sink.h"

namespace aviary::controller {

class EventLog final : public EventSink {
 public:
  explicit EventLog(size_t perCanary = 200, EventSink* next = nullptr) : perCanary_(perCanary), next_(next) {}

  void record(const api::Canary& canary, const Event& event) override {
    {
      std::lock_guard lock(mu_);
      auto& q = events_[canary.metadata.namespace_ + "/" + canary.metadata.name];
      q.push_back(event);
      if (q.size() > perCanary_) q.pop_front();
      ++total_;
    }
    if (next_) next_->record(canary, event);
  }
  // The kept events of canary `ns`/`name`, oldest first.
  std::vector<Event> of(const std::string& ns, const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = events_.find(ns + "/" + name);
    if (it == events_.end()) return {};
    return {it->second.begin(), it->second.end()};
  }
  // Replaces the kept events of a canary (restoring persisted ones at start).
  void restore(const std::string& ns, const std::string& name, std::vector<Event> events) {
    std::lock_guard lock(mu_);
    auto& q = events_[ns + "/" + name];
    q.assign(events.begin(), events.end());
    while (q.size() > perCanary_) q.pop_front();
  }
  void forget(const std::string& ns, const std::string& name) {
    std::lock_guard lock(mu_);
    events_.erase(ns + "/" + name);
  }
  uint64_t total() const {
    std::lock_guard lock(mu_);
    return total_;
  }

 private:
  size_t perCanary_;
  EventSink* next_;
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Event>> events_;
  uint64_t total_ = 0;
};

}  // namespace aviary::controller
