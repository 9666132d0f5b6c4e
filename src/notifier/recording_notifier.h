#pragma once
// A Notifier that keeps every alert in memory (tests and `aviary simulate`). Not thread-safe.
#include <vector>

#include "notifier/notifier.h"

namespace aviary::notifier {

struct RecordedAlert {
  std::string provider;  // the label given at construction (e.g. the AlertProvider name)
  std::string workload;
  std::string ns;
  std::string message;
  std::vector<Field> fields;
  Severity severity = Severity::Info;
};

class RecordingNotifier final : public Notifier {
 public:
  explicit RecordingNotifier(std::string label, std::vector<RecordedAlert>* sink = nullptr)
      : label_(std::move(label)), sink_(sink ? sink : &own_) {}
  Status post(const std::string& workload, const std::string& ns, const std::string& message,
              const std::vector<Field>& fields, Severity severity) override {
    sink_->push_back({label_, workload, ns, message, fields, severity});
    return okStatus();
  }
  const std::vector<RecordedAlert>& alerts() const { return *sink_; }

 private:
  std::string label_;
  std::vector<RecordedAlert> own_;
  std::vector<RecordedAlert>* sink_;  // shared sink (several providers) or own_
};

}  // namespace aviary::notifier
