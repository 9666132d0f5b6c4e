#pragma once
// `aviary status` on Kubernetes: the same JSON shapes as the local status API
// (runtime/status_server.h), read from the API server, so that status_view renders both alike.
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/client.h"

namespace aviary::cli {

// The Canaries of `ns` ("" = all namespaces) as {"items":[Canary…]}.
Result<nlohmann::json> kubeCanaries(kube::Client& client, const std::string& ns);
// The core/v1 Events whose involvedObject is the Canary ns/name, oldest first, as the status
// API's {"items":[{type,reason,message,time,phase}]}.
Result<nlohmann::json> kubeCanaryEvents(kube::Client& client, const std::string& ns, const std::string& name);
// Pure: an EventList → the status API's events shape (sorted by time).
nlohmann::json eventsFromKube(const nlohmann::json& eventList);
// Pure: the analysis view of a Canary without values ({"metrics":[{name,thresholdRange|threshold}]}):
// the last values live in the controller's memory, which the API server does not serve.
nlohmann::json analysisFromSpec(const nlohmann::json& canary);

}  // namespace aviary::cli
