#pragma once
// `kubectl get`'s server-side printing: a meta.k8s.io/v1 Table of a type's printer columns (a
// CRD's additionalPrinterColumns, or the built-in columns of registry_builtin.cpp), asked for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sandbox/registry.h"

namespace aviary::sandbox {

enum class IncludeObject { None, Metadata, Object };  // the includeObject query parameter

// True when an Accept header asks for a Table.
bool wantsTable(const std::string& accept);

// A Table of `objects`; `listMeta` becomes its metadata (resourceVersion, continue).
nlohmann::json renderTable(const ResourceType& type, const std::vector<nlohmann::json>& objects,
                           const nlohmann::json& listMeta, IncludeObject include, Clock::TimePoint now);

// Kubernetes' short human duration ("45s", "3m12s", "5h", "12d") since an RFC 3339 time.
std::string ageSince(const std::string& rfc3339, Clock::TimePoint now);

// The value at a simple JSONPath (".status.phase", ".spec.ports[0].port", "{.a.b}"); null if absent.
nlohmann::json jsonPathValue(const nlohmann::json& object, const std::string& path);

}  // namespace aviary::sandbox
