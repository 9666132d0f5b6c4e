#include <nlohmann/json.hpp>

#include "webhooks/webhook.h"

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

}  // namespace aviary::webhooks
