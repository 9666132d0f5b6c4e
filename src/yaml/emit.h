#pragma once
// JSON values written as YAML (block style, keys in the JSON object's order), through libyaml's
// emitter, so that quoting and escaping are libyaml's. A string that a YAML 1.1 or 1.2 reader
// would resolve to another type ("true", "yes", "9898", "1e3", "null", "") is double-quoted, so
// that kubectl (go-yaml) and this project's reader read back exactly the JSON that was written.
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace aviary::yaml {

// One YAML document (no "---" line, ends with a newline). Error (Internal) only when libyaml
// refuses an event (e.g. invalid UTF-8 in a string).
Result<std::string> emitYaml(const nlohmann::json& value);

}  // namespace aviary::yaml
