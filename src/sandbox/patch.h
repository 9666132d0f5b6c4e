#pragma once
// Request bodies of the sandbox API server: decoding (JSON only: kubectl and the client libraries
// send JSON) and the patch types kubectl and client-go use. Pure functions; the fuzz target
// fuzz/sandbox/body_fuzzer.cpp drives them with arbitrary input.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace aviary::sandbox {

enum class PatchType {
  Merge,           // application/merge-patch+json (RFC 7386)
  StrategicMerge,  // application/strategic-merge-patch+json (lists merged by their merge keys)
  Json,            // application/json-patch+json (RFC 6902)
  Apply,           // application/apply-patch+yaml: server-side apply, not supported (415)
  Unknown,
};

// The patch type of a Content-Type header (parameters after ';' ignored).
PatchType patchTypeOf(std::string_view contentType);

// Parses a body as one JSON value. Error (Invalid) "request body:LINE:COL: expected …, found …".
// Nesting deeper than 256 levels is refused (a stack-depth guard for hostile input).
Result<nlohmann::json> decodeBody(std::string_view body);

// Applies `patch` to `current`. Error (Invalid) when the patch does not fit (a JSON patch `test`
// failing, a path that is not there, a strategic-merge directive that is not understood).
Result<nlohmann::json> applyPatch(PatchType type, const nlohmann::json& current, const nlohmann::json& patch);

// Strategic merge as kubectl sends it, without Go's struct tags: lists of objects are merged
// by a merge key known by field name (containers/env/volumes… by name, ports by containerPort or
// port, volumeMounts by mountPath, conditions by type); other lists are replaced. Directives:
// `$patch: replace|delete` in maps and list elements, `$retainKeys`, `$setElementOrder/…` and
// `$deleteFromPrimitiveList/…` (applied or dropped as the API server would).
Result<nlohmann::json> strategicMerge(const nlohmann::json& current, const nlohmann::json& patch);

}  // namespace aviary::sandbox
