#pragma once
// Keeps the last value of every metric of every canary (with when it was read), for the status
// API and `aviary status`, and forwards every call to the next Recorder (Flagger's metrics).
// Why here and not in the Canary's status: Flagger's CRD has no such field and a structural
// schema would prune it, so a user of Flagger's CRD would never see it; the status API serves it
// on every platform instead (docs/runtime.md).
// Thread-safe.
#include <map>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "controller/recorder.h"

namespace aviary::runtime {

struct MetricValue {
  double value = 0;
  Clock::TimePoint time;
};

class LastValues final : public controller::Recorder {
 public:
  LastValues(const Clock& clock, controller::Recorder* next) : clock_(clock), next_(next) {}

  // metric name → last value, for canary ns/name.
  std::map<std::string, MetricValue> of(const std::string& ns, const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = values_.find(ns + "/" + name);
    return it == values_.end() ? std::map<std::string, MetricValue>{} : it->second;
  }

  void setStatus(const api::Canary& c, api::Phase p) override {
    if (next_) next_->setStatus(c, p);
  }
  void setWeight(const api::Canary& c, int32_t primary, int32_t canary) override {
    if (next_) next_->setWeight(c, primary, canary);
  }
  void setAnalysis(const api::Canary& c, const std::string& metric, double value) override {
    {
      std::lock_guard lock(mu_);
      values_[c.metadata.namespace_ + "/" + c.metadata.name][metric] = {value, clock_.now()};
    }
    if (next_) next_->setAnalysis(c, metric, value);
  }
  void observeDuration(const api::Canary& c, Duration d) override {
    if (next_) next_->observeDuration(c, d);
  }
  void incSuccesses(const api::Canary& c, bool skipped) override {
    if (next_) next_->incSuccesses(c, skipped);
  }
  void incFailures(const api::Canary& c) override {
    if (next_) next_->incFailures(c);
  }

 private:
  const Clock& clock_;
  controller::Recorder* next_;
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, MetricValue>> values_;
};

}  // namespace aviary::runtime
