#include "platform/local/local_history.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace aviary::platform::local {

using nlohmann::json;

std::string FileHistoryStore::pathOf(const std::string& ns, const std::string& name) const {
  return dir_ + "/" + ns + "/" + name + ".json";
}

std::string FileHistoryStore::checkpointPathOf(const std::string& ns, const std::string& name) const {
  return dir_ + "/" + ns + "/" + name + ".open.json";
}

Result<std::vector<controller::RolloutRecord>> FileHistoryStore::list(const std::string& ns,
                                                                      const std::string& name) const {
  std::lock_guard lock(mu_);
  const auto path = pathOf(ns, name);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<controller::RolloutRecord>{};
  auto text = readWholeFile(path);
  if (!text) return text.error();
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return makeError(ErrorCode::Invalid, path + ": expected a JSON array of rollout records, found something else");
  }
  std::vector<controller::RolloutRecord> out;
  for (const auto& r : j) out.push_back(controller::recordFromJson(r));
  return out;
}

Status FileHistoryStore::append(const api::Canary& canary, const controller::RolloutRecord& record) {
  const auto& ns = canary.metadata.namespace_;
  const auto& name = canary.metadata.name;
  auto old = list(ns, name);
  std::vector<controller::RolloutRecord> records = old ? *old : std::vector<controller::RolloutRecord>{};
  records.push_back(record);
  while (records.size() > controller::kHistoryLimit) records.erase(records.begin());
  json arr = json::array();
  for (const auto& r : records) arr.push_back(controller::toJson(r));
  std::lock_guard lock(mu_);
  std::error_code ec;
  std::filesystem::create_directories(dir_ + "/" + ns, ec);
  if (ec) return makeError(ErrorCode::Io, dir_ + "/" + ns + ": " + ec.message());
  auto st = writeFileAtomically(pathOf(ns, name), arr.dump(1) + "\n");
  if (!st) return st;
  std::filesystem::remove(checkpointPathOf(ns, name), ec);  // absent is fine
  return okStatus();
}

Status FileHistoryStore::checkpoint(const api::Canary& canary, const controller::RolloutRecord& open) {
  const auto& ns = canary.metadata.namespace_;
  std::lock_guard lock(mu_);
  std::error_code ec;
  std::filesystem::create_directories(dir_ + "/" + ns, ec);
  if (ec) return makeError(ErrorCode::Io, dir_ + "/" + ns + ": " + ec.message());
  return writeFileAtomically(checkpointPathOf(ns, canary.metadata.name), controller::toJson(open).dump() + "\n");
}

Result<std::optional<controller::RolloutRecord>> FileHistoryStore::checkpointOf(const std::string& ns,
                                                                                const std::string& name) const {
  std::lock_guard lock(mu_);
  const auto path = checkpointPathOf(ns, name);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<controller::RolloutRecord>{};
  auto text = readWholeFile(path);
  if (!text) return text.error();
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return makeError(ErrorCode::Invalid, path + ": expected a JSON rollout record, found something else");
  }
  return std::optional<controller::RolloutRecord>(controller::recordFromJson(j));
}

}  // namespace aviary::platform::local
