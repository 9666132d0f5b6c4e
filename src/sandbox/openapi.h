#pragma once
// The OpenAPI v3 documents kubectl reads (/openapi/v3 and /openapi/v3/{api|apis/group}/{version}):
// - each resource's PATCH operation with its x-kubernetes-group-version-kind and the
//   `fieldValidation` query parameter, so that kubectl (apply, create -f, replace) leaves
//   validation to the server instead of downloading the v2 document to validate client-side;
// - a schema per kind in components.schemas (a CRD's openAPIV3Schema, an open object for the
//   built-ins), so that `kubectl explain` works for CRDs.
// /openapi/v2 is not served (kubectl only falls back to it when v3 is missing).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sandbox/registry.h"

namespace aviary::sandbox {

// /openapi/v3: the group versions with their document URLs.
nlohmann::json openApiIndex(const std::vector<ResourceType>& types);
// /openapi/v3/{gvPath} ("api/v1", "apis/apps/v1"); nullopt when no type is served there.
// `schemas` maps a CRD's name to its versions' openAPIV3Schema (by version name).
std::optional<nlohmann::json> openApiGroupVersion(const std::vector<ResourceType>& types, const std::string& gvPath,
                                                  const nlohmann::json& crdSchemas);

}  // namespace aviary::sandbox
