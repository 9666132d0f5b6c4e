#pragma once
// The Kubernetes platform's rollout history (controller/history.h): a ConfigMap per Canary,
// NAME-aviary-history in the Canary's namespace, whose data key "history.json" holds the records
// (a JSON array, oldest first, the last kHistoryLimit), owned by the Canary (an owner reference,
// not a controller one, so that garbage collection removes it with the Canary) and labelled
// app.kubernetes.io/managed-by: aviary. A ConfigMap holds at most 1 MiB: the oldest records
// are dropped until the array fits in kHistoryMaxBytes. The checkpoint of the analysis running
// now is the data key "checkpoint.json" of the same ConfigMap (one write per new step of the
// analysis), removed when the record is appended.
#include <functional>
#include <optional>
#include <string>

#include "controller/history.h"
#include "kube/client.h"

namespace aviary::platform::kubernetes {

inline constexpr size_t kHistoryMaxBytes = 900 * 1024;
inline constexpr const char* kHistoryKey = "history.json";
inline constexpr const char* kCheckpointKey = "checkpoint.json";

std::string historyConfigMapName(const std::string& canaryName);
// The records of a history ConfigMap (Invalid when its data is not such an array).
Result<std::vector<controller::RolloutRecord>> historyFromConfigMap(const kube::Json& configMap);
// Its checkpoint (nullopt when none; Invalid when unreadable).
Result<std::optional<controller::RolloutRecord>> checkpointFromConfigMap(const kube::Json& configMap);

class KubeHistoryStore final : public controller::HistoryStore {
 public:
  explicit KubeHistoryStore(kube::Client& client) : client_(client) {}
  Status append(const api::Canary& canary, const controller::RolloutRecord& record) override;
  Result<std::vector<controller::RolloutRecord>> list(const std::string& ns, const std::string& name) const override;
  Status checkpoint(const api::Canary& canary, const controller::RolloutRecord& open) override;
  Result<std::optional<controller::RolloutRecord>> checkpointOf(const std::string& ns,
                                                                const std::string& name) const override;

 private:
  // Read-modify-write of the canary's ConfigMap (created when absent): `edit` changes the records
  // and the checkpoint (nullopt = none); conflicts are retried on a fresh read.
  using Edit = std::function<void(std::vector<controller::RolloutRecord>&, std::optional<controller::RolloutRecord>&)>;
  Status modify(const api::Canary& canary, const Edit& edit);
  // The canary's history ConfigMap; nullopt when there is none.
  Result<std::optional<kube::Json>> configMapOf(const std::string& ns, const std::string& name) const;
  kube::Client& client_;
};

}  // namespace aviary::platform::kubernetes
