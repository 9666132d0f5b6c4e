#include "webhooks/payload.h"

#include <nlohmann/json.hpp>

namespace aviary::webhooks {

std::string encodePayload(const Payload& payload) {
  // Top-level order follows Flagger's struct; the metadata map is sorted like Go's encoder.
  nlohmann::ordered_json j;
  j["name"] = payload.name;
  j["namespace"] = payload.namespace_;
  j["phase"] = payload.phase;
  j["checksum"] = payload.checksum;
  if (!payload.metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : payload.metadata) meta[k] = v;
    j["metadata"] = std::move(meta);
  }
  return j.dump();
}

Result<Payload> decodePayload(const std::string& body) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return makeError(ErrorCode::Invalid, std::string("invalid JSON payload: ") + e.what());
  }
  if (!j.is_object()) {
    return makeError(ErrorCode::Invalid, std::string("invalid JSON payload: expected an object, found ") + j.type_name());
  }
  Payload p;
  auto str = [&](const char* key, std::string* out) -> Status {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return okStatus();
    if (!it->is_string()) {
      return makeError(ErrorCode::Invalid, std::string(key) + ": expected a string, found " + it->type_name(), key);
    }
    *out = it->get<std::string>();
    return okStatus();
  };
  for (auto [key, out] :
       {std::pair{"name", &p.name}, {"namespace", &p.namespace_}, {"phase", &p.phase}, {"checksum", &p.checksum}}) {
    if (auto st = str(key, out); !st) return st.error();
  }
  if (auto it = j.find("metadata"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return makeError(ErrorCode::Invalid, std::string("metadata: expected an object, found ") + it->type_name(), "metadata");
    }
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) {
        return makeError(ErrorCode::Invalid, "metadata." + k + ": expected a string, found " + v.type_name(), "metadata." + k);
      }
      p.metadata[k] = v.get<std::string>();
    }
  }
  return p;
}

}  // namespace aviary::webhooks
