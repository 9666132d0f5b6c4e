#pragma once
// Revision fingerprints (Flagger §4.3): FNV-1a 32-bit over a canonical serialization, the
// decimal digits mapped through Flagger's alphabet (so the result is a string over "456789bcdf").
// The value only ever gets compared for equality; it is not byte-compatible with Go Flagger's
// (which hashes a go-spew dump), see docs/engine.md.
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace aviary::controller {

// Hash of arbitrary bytes, rendered like Flagger's ComputeHash.
std::string hashBytes(std::string_view bytes);
// Hash of a JSON value (object keys sorted: nlohmann::json keeps them sorted).
std::string hashJson(const nlohmann::json& value);
// The webhook payload checksum: hash of (trackedConfigs, lastAppliedSpec).
std::string payloadChecksum(const std::map<std::string, std::string>& trackedConfigs,
                            const std::string& lastAppliedSpec);

}  // namespace aviary::controller
