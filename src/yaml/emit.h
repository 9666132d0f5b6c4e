#pragma once
// JSON values written as block YAML, the way `kubectl get -o yaml` prints objects: two-space
// indentation, list items at their key's indentation, keys in the JSON object's order
// (nlohmann::json sorts them). A string is written plain only when YAML reads it back as the same
// string (no indicator characters, not a number, boolean or null look-alike); otherwise it is
// double-quoted with JSON's escapes, which YAML's double-quoted style shares. Round trip:
// parsing the output gives back the input.
#include <string>

#include <nlohmann/json.hpp>

namespace aviary::yaml {

// `value` as a YAML document (ends with a newline; no `---`).
std::string emit(const nlohmann::json& value);

}  // namespace aviary::yaml
