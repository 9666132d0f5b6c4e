#include "sandbox/patch.h"

#include <algorithm>
#include <cctype>

namespace aviary::sandbox {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 256;
constexpr size_t kMaxObjectBytes = 3 << 20;  // the API server's request size limit

std::string lowerNoParams(std::string_view s) {
  std::string out(s.substr(0, s.find(';')));
  out.erase(std::remove_if(out.begin(), out.end(), [](unsigned char c) { return std::isspace(c); }), out.end());
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Depth check before parsing: nlohmann's parser recurses per nesting level.
bool tooDeep(std::string_view body) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::string mergeKeyFor(const std::string& field, const json& element) {
  static const char* byName[] = {"containers", "initContainers", "ephemeralContainers", "volumes", "env",
                                 "imagePullSecrets", "resourceClaims"};
  for (const char* f : byName) {
    if (field == f) return "name";
  }
  if (field == "ports") return element.contains("containerPort") ? "containerPort" : "port";
  if (field == "volumeMounts") return "mountPath";
  if (field == "volumeDevices") return "devicePath";
  if (field == "conditions") return "type";
  if (field == "hostAliases") return "ip";
  if (field == "topologySpreadConstraints") return "topologyKey";
  return "";
}

Result<json> mergeValue(const std::string& field, const json& current, const json& patch, int depth);

Result<json> mergeList(const std::string& field, const json& current, const json& patch, int depth) {
  if (!current.is_array() || patch.empty() || !patch[0].is_object()) return patch;
  std::string key = mergeKeyFor(field, patch[0]);
  if (key.empty()) return patch;
  json out = current;
  for (const auto& el : patch) {
    if (!el.is_object() || !el.contains(key)) return patch;  // not mergeable: replace, as for unknown lists
    auto same = [&](const json& o) { return o.is_object() && o.contains(key) && o[key] == el[key]; };
    auto it = std::find_if(out.begin(), out.end(), same);
    if (el.value("$patch", "") == "delete") {
      if (it != out.end()) out.erase(it);
      continue;
    }
    if (it == out.end()) {
      auto merged = mergeValue(field, json::object(), el, depth + 1);
      if (!merged) return merged.error();
      out.push_back(*merged);
    } else {
      auto merged = mergeValue(field, *it, el, depth + 1);
      if (!merged) return merged.error();
      *it = *merged;
    }
  }
  return out;
}

Result<json> mergeObject(const json& current, const json& patch, int depth) {
  if (depth > kMaxDepth) return makeError(ErrorCode::Invalid, "patch nested too deeply");
  std::string directive = patch.value("$patch", "");
  if (directive == "replace") {
    json out = patch;
    out.erase("$patch");
    return out;
  }
  if (directive == "delete") return json(nullptr);
  if (!directive.empty()) {
    return makeError(ErrorCode::Invalid, "$patch: expected replace or delete, found \"" + directive + "\"");
  }
  json out = current.is_object() ? current : json::object();
  for (const auto& [k, v] : patch.items()) {
    if (k == "$retainKeys" || k.rfind("$setElementOrder/", 0) == 0) continue;
    if (k.rfind("$deleteFromPrimitiveList/", 0) == 0) {
      std::string field = k.substr(25);
      if (out.contains(field) && out[field].is_array() && v.is_array()) {
        json kept = json::array();
        for (const auto& e : out[field]) {
          if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
        }
        out[field] = kept;
      }
      continue;
    }
    if (k.size() > 0 && k[0] == '$') return makeError(ErrorCode::Invalid, "unknown patch directive \"" + k + "\"");
    if (v.is_null()) {
      out.erase(k);
      continue;
    }
    auto merged = mergeValue(k, out.contains(k) ? out[k] : json(nullptr), v, depth + 1);
    if (!merged) return merged.error();
    if (merged->is_null()) {
      out.erase(k);
    } else {
      out[k] = *merged;
    }
  }
  if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
    const json& keep = patch["$retainKeys"];
    for (auto it = out.begin(); it != out.end();) {
      if (std::find(keep.begin(), keep.end(), it.key()) == keep.end()) {
        it = out.erase(it);
      } else {
        ++it;
      }
    }
  }
  return out;
}

Result<json> mergeValue(const std::string& field, const json& current, const json& patch, int depth) {
  if (depth > kMaxDepth) return makeError(ErrorCode::Invalid, "patch nested too deeply");
  if (patch.is_object()) return mergeObject(current, patch, depth);
  if (patch.is_array()) return mergeList(field, current, patch, depth);
  return patch;
}

}  // namespace

PatchType patchTypeOf(std::string_view contentType) {
  std::string t = lowerNoParams(contentType);
  if (t == "application/merge-patch+json") return PatchType::Merge;
  if (t == "application/strategic-merge-patch+json") return PatchType::StrategicMerge;
  if (t == "application/json-patch+json") return PatchType::Json;
  if (t == "application/apply-patch+yaml") return PatchType::Apply;
  return PatchType::Unknown;
}

Result<json> decodeBody(std::string_view body) {
  if (tooDeep(body)) {
    return makeError(ErrorCode::Invalid, "request body: expected at most 256 levels of nesting, found more");
  }
  // With exceptions: nlohmann's parser throws out_of_range for a number too large for a double
  // ("1e999") even when told not to throw, so catch everything it may throw.
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < body.size(); ++i) {
      if (body[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    auto colon = what.find(": ", what.find("parse error"));
    std::string reason = colon == std::string::npos ? what : what.substr(colon + 2);
    return makeError(ErrorCode::Invalid, "request body:" + std::to_string(line) + ":" + std::to_string(col) +
                                             ": expected a JSON value, found invalid input (" + reason + ")");
  } catch (const json::exception& e) {
    return makeError(ErrorCode::Invalid, std::string("request body: expected a JSON value, found ") + e.what());
  }
}

Result<json> applyPatch(PatchType type, const json& current, const json& patch) {
  switch (type) {
    case PatchType::Merge: {
      if (!patch.is_object()) return makeError(ErrorCode::Invalid, "merge patch: expected a JSON object, found " + std::string(patch.type_name()));
      json out = current;
      out.merge_patch(patch);
      return out;
    }
    case PatchType::StrategicMerge:
      if (!patch.is_object()) {
        return makeError(ErrorCode::Invalid, "strategic merge patch: expected a JSON object, found " + std::string(patch.type_name()));
      }
      return strategicMerge(current, patch);
    case PatchType::Json:
      if (!patch.is_array()) return makeError(ErrorCode::Invalid, "json patch: expected an array of operations, found " + std::string(patch.type_name()));
      try {
        // `copy` can double the object per operation: apply copies one at a time and stop when
        // the object outgrows what the API server would accept as a body.
        json out = current;
        size_t copies = 0;
        for (const auto& op : patch) {
          out = out.patch(json::array({op}));
          if (op.is_object() && op.value("op", "") == "copy" && (++copies > 1000 || out.dump().size() > kMaxObjectBytes)) {
            return makeError(ErrorCode::Invalid, "json patch: the patched object is larger than 3 MiB");
          }
        }
        return out;
      } catch (const json::exception& e) {
        return makeError(ErrorCode::Invalid, std::string("json patch: ") + e.what());
      }
    case PatchType::Apply:
      return makeError(ErrorCode::Invalid, "server-side apply (application/apply-patch+yaml) is not supported by the sandbox");
    case PatchType::Unknown:
      break;
  }
  return makeError(ErrorCode::Invalid, "unsupported patch content type");
}

Result<json> strategicMerge(const json& current, const json& patch) {
  auto out = mergeObject(current, patch, 0);
  if (!out) return out;
  if (out->is_null()) return json::object();
  return out;
}

}  // namespace aviary::sandbox
