#include "controller/spec_hash.h"

#include <cstdint>

namespace aviary::controller {

std::string hashBytes(std::string_view bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 16777619u;
  }
  // Flagger's SafeEncodeString: each character maps to alphabet[ascii % 27].
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out = std::to_string(h);
  for (auto& ch : out) ch = kAlphabet[static_cast<unsigned char>(ch) % kAlphabet.size()];
  return out;
}

std::string hashJson(const nlohmann::json& value) { return hashBytes(value.dump()); }

std::string payloadChecksum(const std::map<std::string, std::string>& trackedConfigs,
                            const std::string& lastAppliedSpec) {
  nlohmann::json j = nlohmann::json::array({trackedConfigs, lastAppliedSpec});
  return hashJson(j);
}

}  // namespace aviary::controller
