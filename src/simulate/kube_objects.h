#pragma once
// Helpers of the Kubernetes backend (kube_backend.cpp), separate so that they stay small and
// testable: the embedded CRDs, kinds resolved against the sandbox's registry, and the routing
// read back from the objects the routers wrote.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/canary.h"
#include "common/result.h"
#include "kube/client.h"
#include "sandbox/registry.h"

namespace aviary::simulate::kube_objects {

using Json = nlohmann::json;

// The CRDs every simulation's API server starts with: Flagger's (deploy/kubernetes/crds.yaml),
// Istio's VirtualService and DestinationRule (tests/platform/kubernetes/testdata/istio-crds.yaml)
// and a schemaless Istio Gateway (v1alpha3 and v1beta1), so that the seed's public-gateway.yaml
// can be among the objects. Embedded at build time (crds_embedded.cpp.in).
Result<std::vector<Json>> builtinCrds();

// Every non-empty document of a multi-document YAML text as JSON. Errors name `source`.
Result<std::vector<Json>> yamlDocuments(const std::string& text, const std::string& source);

// The served type of `apiVersion` + `kind`; nullopt when the sandbox serves none.
std::optional<sandbox::ResourceType> typeOf(const sandbox::Registry& registry, const std::string& apiVersion,
                                            const std::string& kind);
// The served type of a bare kind (a dump's "Kind/name"): the first version registered, which is
// the preferred one.
std::optional<sandbox::ResourceType> typeOfKind(const sandbox::Registry& registry, const std::string& kind);
kube::Resource resourceOf(const sandbox::ResourceType& type);

// "primary"/"canary"/"mirror" of the VirtualService's default route (the last HTTP route with no
// match; the TCP route of a TCP service): weights by destination host (`names`' primary and
// canary), mirror = mirrorPercentage, 100 when mirrored without one, else 0.
Result<std::map<std::string, int32_t>> routesOfVirtualService(const Json& vs, const std::string& primaryHost,
                                                              const std::string& canaryHost);
// The same for the `kubernetes` provider: 100 to the side whose Service selector the apex
// Service's selector equals.
Result<std::map<std::string, int32_t>> routesOfServices(const Json& apex, const Json& primary, const Json& canary);

}  // namespace aviary::simulate::kube_objects
