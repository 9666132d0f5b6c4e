#pragma once
// The local platform's rollout history (controller/history.h): one JSON file per canary,
// STATE_DIR/history/NAMESPACE/NAME.json (an array of records, oldest first, the last
// kHistoryLimit), replaced atomically at each append, so that it survives restarts and a crash
// leaves the previous file whole. The checkpoint of the analysis running now is
// STATE_DIR/history/NAMESPACE/NAME.open.json, written the same way and removed by append.
// Thread-safe.
#include <mutex>
#include <string>

#include "controller/history.h"

namespace aviary::platform::local {

class FileHistoryStore final : public controller::HistoryStore {
 public:
  explicit FileHistoryStore(std::string stateDir) : dir_(std::move(stateDir) + "/history") {}
  Status append(const api::Canary& canary, const controller::RolloutRecord& record) override;
  Result<std::vector<controller::RolloutRecord>> list(const std::string& ns, const std::string& name) const override;
  Status checkpoint(const api::Canary& canary, const controller::RolloutRecord& open) override;
  Result<std::optional<controller::RolloutRecord>> checkpointOf(const std::string& ns,
                                                                const std::string& name) const override;

 private:
  std::string pathOf(const std::string& ns, const std::string& name) const;
  std::string checkpointPathOf(const std::string& ns, const std::string& name) const;
  // Writes `text` to `path` atomically, creating the namespace's directory (under mu_).
  Status write(const std::string& ns, const std::string& path, const std::string& text);
  std::string dir_;
  mutable std::mutex mu_;
};

}  // namespace aviary::platform::local
