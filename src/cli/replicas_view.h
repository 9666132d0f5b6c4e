#pragma once
// The "Replicas:" section of `aviary status NAME` on the local platform: the replica sets of a
// canary's primary and canary with their HorizontalPodAutoscalers, from the status API's
// /api/v1/replicasets and /api/v1/horizontalpodautoscalers (docs/autoscaling.md). Pure.
#include <string>

#include <nlohmann/json.hpp>

namespace aviary::cli {

// "" when `replicaSets` holds neither set of the canary (e.g. a Kubernetes controller, which has
// no such endpoint). `hpas` may be null or empty.
std::string renderReplicas(const nlohmann::json& canary, const nlohmann::json& replicaSets, const nlohmann::json& hpas);

}  // namespace aviary::cli
