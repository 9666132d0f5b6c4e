#include "platform/kubernetes/kube_history.h"

#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {

using kube::Json;

std::string historyConfigMapName(const std::string& canaryName) {
  return canaryName + "-aviary-history";
}

Result<std::vector<controller::RolloutRecord>> historyFromConfigMap(const Json& cm) {
  std::vector<controller::RolloutRecord> out;
  const Json data = cm.value("data", Json::object());
  if (!data.is_object() || !data.contains(kHistoryKey)) return out;
  const std::string name = cm.value("metadata", Json::object()).value("name", "");
  if (!data[kHistoryKey].is_string()) {
    return makeError(ErrorCode::Invalid, "configmap " + name + ": data." + kHistoryKey + ": expected a string");
  }
  auto arr = Json::parse(data[kHistoryKey].get<std::string>(), nullptr, false);
  if (arr.is_discarded() || !arr.is_array()) {
    return makeError(ErrorCode::Invalid,
                     "configmap " + name + ": data." + kHistoryKey + ": expected a JSON array of rollout records");
  }
  for (const auto& r : arr) out.push_back(controller::recordFromJson(r));
  return out;
}

Result<std::optional<controller::RolloutRecord>> checkpointFromConfigMap(const Json& cm) {
  const Json data = cm.value("data", Json::object());
  if (!data.is_object() || !data.contains(kCheckpointKey)) return std::optional<controller::RolloutRecord>{};
  const std::string name = cm.value("metadata", Json::object()).value("name", "");
  auto j =
      data[kCheckpointKey].is_string() ? Json::parse(data[kCheckpointKey].get<std::string>(), nullptr, false) : Json();
  if (j.is_discarded() || !j.is_object()) {
    return makeError(ErrorCode::Invalid,
                     "configmap " + name + ": data." + kCheckpointKey + ": expected a JSON rollout record");
  }
  return std::optional<controller::RolloutRecord>(controller::recordFromJson(j));
}

Result<std::optional<Json>> KubeHistoryStore::configMapOf(const std::string& ns, const std::string& name) const {
  auto cm = client_.get(kConfigMaps, ns, historyConfigMapName(name));
  if (!cm) {
    if (cm.error().code == ErrorCode::NotFound) return std::optional<Json>{};
    return cm.error();
  }
  return std::optional<Json>(std::move(*cm));
}

Result<std::vector<controller::RolloutRecord>> KubeHistoryStore::list(const std::string& ns,
                                                                      const std::string& name) const {
  auto cm = configMapOf(ns, name);
  if (!cm) return cm.error();
  if (!*cm) return std::vector<controller::RolloutRecord>{};
  return historyFromConfigMap(**cm);
}

Result<std::optional<controller::RolloutRecord>> KubeHistoryStore::checkpointOf(const std::string& ns,
                                                                                const std::string& name) const {
  auto cm = configMapOf(ns, name);
  if (!cm) return cm.error();
  if (!*cm) return std::optional<controller::RolloutRecord>{};
  return checkpointFromConfigMap(**cm);
}

Status KubeHistoryStore::append(const api::Canary& canary, const controller::RolloutRecord& record) {
  return modify(canary,
                [&](std::vector<controller::RolloutRecord>& records, std::optional<controller::RolloutRecord>& open) {
                  records.push_back(record);
                  open.reset();
                });
}

Status KubeHistoryStore::checkpoint(const api::Canary& canary, const controller::RolloutRecord& record) {
  return modify(canary, [&](std::vector<controller::RolloutRecord>&, std::optional<controller::RolloutRecord>& open) {
    open = record;
  });
}

Status KubeHistoryStore::modify(const api::Canary& canary, const Edit& edit) {
  const auto& ns = canary.metadata.namespace_;
  const std::string cmName = historyConfigMapName(canary.metadata.name);
  // Read-modify-write with the resourceVersion read; a conflict (someone else wrote meanwhile)
  // is retried on a fresh read.
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto cur = client_.get(kConfigMaps, ns, cmName);
    if (!cur && cur.error().code != ErrorCode::NotFound) return cur.error();
    std::vector<controller::RolloutRecord> records;
    std::optional<controller::RolloutRecord> open;
    if (cur) {
      auto old = historyFromConfigMap(*cur);
      if (old) records = std::move(*old);  // an unreadable history is replaced
      auto saved = checkpointFromConfigMap(*cur);
      if (saved) open = std::move(*saved);  // so is an unreadable checkpoint
    }
    edit(records, open);
    while (records.size() > controller::kHistoryLimit) records.erase(records.begin());
    const std::string checkpointText = open ? controller::toJson(*open).dump() : "";
    std::string text;
    for (;;) {
      Json arr = Json::array();
      for (const auto& r : records) arr.push_back(controller::toJson(r));
      text = arr.dump();
      if (text.size() + checkpointText.size() <= kHistoryMaxBytes || records.size() <= 1) break;
      records.erase(records.begin());
    }
    Json owners = ownerReferenceTo(canary);  // a list of one
    for (auto& o : owners) o["controller"] = false;
    Json data{{kHistoryKey, text}};
    if (open) data[kCheckpointKey] = checkpointText;
    Json obj{
        {"apiVersion", "v1"},
        {"kind", "ConfigMap"},
        {"metadata",
         {{"name", cmName},
          {"namespace", ns},
          {"labels", {{"app.kubernetes.io/managed-by", "aviary"}, {"aviary.dev/history-of", canary.metadata.name}}},
          {"ownerReferences", owners}}},
        {"data", data}};
    Result<Json> r = makeError(ErrorCode::Internal, "unreached");
    if (cur) {
      obj["metadata"]["resourceVersion"] = (*cur)["metadata"].value("resourceVersion", "");
      r = client_.update(kConfigMaps, ns, obj);
    } else {
      r = client_.create(kConfigMaps, ns, obj);
    }
    if (r) return okStatus();
    if (r.error().code != ErrorCode::Conflict) return r.error();
  }
  return makeError(ErrorCode::Conflict, "configmap " + cmName + ": gave up after 5 conflicting writes");
}

}  // namespace aviary::platform::kubernetes
