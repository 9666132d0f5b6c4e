#pragma once
// The body Flagger POSTs to a webhook (flagger-integration.md §5.7):
//   {"name":"...","namespace":"...","phase":"...","checksum":"...","metadata":{"k":"v"}}
#include <map>
#include <string>

#include "common/result.h"

namespace aviary::loadtester {

struct WebhookPayload {
  std::string name;
  std::string ns;
  std::string phase;
  std::string checksum;
  std::map<std::string, std::string> metadata;

  // Gate key "<name>.<namespace>".
  std::string gateKey() const { return name + "." + ns; }
};

// Strict decode: the body must be one JSON object; the four top-level fields, when present, must be
// strings and metadata an object of strings (as Go's json decoder requires for Flagger's struct).
// Errors (code Invalid) say where and what, e.g.
//   `invalid JSON payload: [json.exception.parse_error.101] parse error at line 1, column 2: ...`
//   `metadata.cmd: expected a string, found number`
Result<WebhookPayload> decodeWebhookPayload(const std::string& body);

}  // namespace aviary::loadtester
