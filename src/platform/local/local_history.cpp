#include "platform/local/local_history.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace aviary::platform::local {

using nlohmann::json;

namespace {

// The JSON of `path` when `shape` accepts it; nullopt when the file does not exist (nothing kept
// yet); Invalid, naming the file and `expected`, when it is not such JSON.
Result<std::optional<json>> readJsonFile(const std::string& path, bool (json::*shape)() const noexcept,
                                         const std::string& expected) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<json>{};
  auto text = readWholeFile(path);
  if (!text) return text.error();
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !(j.*shape)()) {
    return makeError(ErrorCode::Invalid, path + ": expected " + expected + ", found something else");
  }
  return std::optional<json>(std::move(j));
}

}  // namespace

std::string FileHistoryStore::pathOf(const std::string& ns, const std::string& name) const {
  return dir_ + "/" + ns + "/" + name + ".json";
}

std::string FileHistoryStore::checkpointPathOf(const std::string& ns, const std::string& name) const {
  return dir_ + "/" + ns + "/" + name + ".open.json";
}

Status FileHistoryStore::write(const std::string& ns, const std::string& path, const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(dir_ + "/" + ns, ec);
  if (ec) return makeError(ErrorCode::Io, dir_ + "/" + ns + ": " + ec.message());
  return writeFileAtomically(path, text);
}

Result<std::vector<controller::RolloutRecord>> FileHistoryStore::list(const std::string& ns,
                                                                      const std::string& name) const {
  std::lock_guard lock(mu_);
  auto j = readJsonFile(pathOf(ns, name), &json::is_array, "a JSON array of rollout records");
  if (!j) return j.error();
  std::vector<controller::RolloutRecord> out;
  if (*j) {
    for (const auto& r : **j) out.push_back(controller::recordFromJson(r));
  }
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
  auto st = write(ns, pathOf(ns, name), arr.dump(1) + "\n");
  if (!st) return st;
  std::error_code ec;
  std::filesystem::remove(checkpointPathOf(ns, name), ec);  // absent is fine
  return okStatus();
}

Status FileHistoryStore::checkpoint(const api::Canary& canary, const controller::RolloutRecord& open) {
  const auto& ns = canary.metadata.namespace_;
  std::lock_guard lock(mu_);
  return write(ns, checkpointPathOf(ns, canary.metadata.name), controller::toJson(open).dump() + "\n");
}

Result<std::optional<controller::RolloutRecord>> FileHistoryStore::checkpointOf(const std::string& ns,
                                                                                const std::string& name) const {
  std::lock_guard lock(mu_);
  auto j = readJsonFile(checkpointPathOf(ns, name), &json::is_object, "a JSON rollout record");
  if (!j) return j.error();
  if (!*j) return std::optional<controller::RolloutRecord>{};
  return std::optional<controller::RolloutRecord>(controller::recordFromJson(**j));
}

}  // namespace aviary::platform::local
