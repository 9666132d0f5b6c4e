#pragma once
// A HistoryStore in memory, with its checkpoints, for the runtime's tests.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controller/history.h"

namespace aviary::runtime {

class MemoryHistory final : public controller::HistoryStore {
 public:
  Status append(const api::Canary& c, const controller::RolloutRecord& r) override {
    std::lock_guard lock(mu_);
    auto& v = records_[c.metadata.namespace_ + "/" + c.metadata.name];
    v.push_back(r);
    while (v.size() > controller::kHistoryLimit) v.erase(v.begin());
    open_.erase(c.metadata.namespace_ + "/" + c.metadata.name);
    return okStatus();
  }
  Result<std::vector<controller::RolloutRecord>> list(const std::string& ns, const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = records_.find(ns + "/" + name);
    return it == records_.end() ? std::vector<controller::RolloutRecord>{} : it->second;
  }
  Status checkpoint(const api::Canary& c, const controller::RolloutRecord& r) override {
    std::lock_guard lock(mu_);
    open_[c.metadata.namespace_ + "/" + c.metadata.name] = r;
    ++checkpoints_;
    return okStatus();
  }
  Result<std::optional<controller::RolloutRecord>> checkpointOf(const std::string& ns,
                                                                const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = open_.find(ns + "/" + name);
    return it == open_.end() ? std::nullopt : std::optional<controller::RolloutRecord>(it->second);
  }
  int checkpoints() const {
    std::lock_guard lock(mu_);
    return checkpoints_;
  }
  size_t size(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = records_.find(key);
    return it == records_.end() ? 0 : it->second.size();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<controller::RolloutRecord>> records_;
  std::map<std::string, controller::RolloutRecord> open_;
  int checkpoints_ = 0;
};

}  // namespace aviary::runtime
