#pragma once
// The JSON body Flagger POSTs to every webhook (Flagger §6.3/§6.4, flagger-integration.md §5.7):
//   {"name":"...","namespace":"...","phase":"...","checksum":"...","metadata":{"k":"v"}}
// One type for both ends: the engine's callers encode it, the load tester decodes it. Its own
// library (aviary_webhook_payload, common + nlohmann-json only) so that the load tester can read
// it without depending on the resource model or the engine.
#include <map>
#include <string>

#include "common/result.h"

namespace aviary::webhooks {

struct Payload {
  std::string name;
  std::string namespace_;
  std::string phase;
  std::string checksum;
  std::map<std::string, std::string> metadata;  // JSON object keys are sorted, as Go's encoder does
};

// `{"name":..,"namespace":..,"phase":..,"checksum":..,"metadata":{..}}` in this field order;
// "metadata" is omitted when empty.
std::string encodePayload(const Payload& payload);

// Strict decode, as Go's json decoder reads Flagger's struct: the body must be one JSON object;
// the four top-level fields, when present and not null, must be strings and metadata an object of
// strings; other fields are ignored. decodePayload(encodePayload(p)) == p. Errors (code Invalid)
// say where and what, e.g.
//   `invalid JSON payload: [json.exception.parse_error.101] parse error at line 1, column 2: ...`
//   `metadata.cmd: expected a string, found number` (path "metadata.cmd")
Result<Payload> decodePayload(const std::string& body);

}  // namespace aviary::webhooks
