#pragma once
// The Kubernetes resources the Kubernetes platform reads and writes, and small helpers over the
// JSON objects the client returns.
#include <map>
#include <string>

#include "api/canary.h"
#include "kube/client.h"

namespace aviary::platform::kubernetes {

inline const kube::Resource kCanaries{"flagger.app", "v1beta1", "canaries", true};
inline const kube::Resource kMetricTemplates{"flagger.app", "v1beta1", "metrictemplates", true};
inline const kube::Resource kAlertProviders{"flagger.app", "v1beta1", "alertproviders", true};
inline const kube::Resource kDeployments{"apps", "v1", "deployments", true};
inline const kube::Resource kDaemonSets{"apps", "v1", "daemonsets", true};
inline const kube::Resource kServices{"", "v1", "services", true};
// autoscaling/v2 only, as Flagger since "hpa: remove v2beta2 support": an autoscalerRef naming
// autoscaling/v2beta2 is read through v2 (the API server serves the same object under both).
inline const kube::Resource kHpas{"autoscaling", "v2", "horizontalpodautoscalers", true};
// KEDA's ScaledObject (a CRD; only read and written for a Canary whose autoscalerRef names one,
// by direct requests: no cache, so a cluster without KEDA's CRD runs every other Canary).
inline const kube::Resource kScaledObjects{"keda.sh", "v1alpha1", "scaledobjects", true};
inline const kube::Resource kConfigMaps{"", "v1", "configmaps", true};
inline const kube::Resource kSecrets{"", "v1", "secrets", true};
inline const kube::Resource kEvents{"", "v1", "events", true};

// The controller owner reference to the Canary (flagger-integration.md §0).
kube::Json ownerReferenceTo(const api::Canary& canary);
// Whether `object`'s controller owner reference is a Canary named `name` (and, when `uid` is
// non-empty, with that uid).
bool ownedByCanary(const kube::Json& object, const std::string& name, const std::string& uid = {});

// A string map from a JSON object (non-string values skipped); {} for null/absent.
std::map<std::string, std::string> stringMap(const kube::Json& j);

// Flagger's metadata helpers (flagger-integration.md §0.1).
std::map<std::string, std::string> filterWorkloadMetadata(const std::map<std::string, std::string>& in);
std::map<std::string, std::string> includeByPrefix(const std::map<std::string, std::string>& in,
                                                   const std::vector<std::string>& prefixes);
std::map<std::string, std::string> routerFilter(std::map<std::string, std::string> in);

}  // namespace aviary::platform::kubernetes
