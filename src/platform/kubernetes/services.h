#pragma once
// The apex, `-primary` and `-canary` Services of a Deployment/DaemonSet canary (Flagger's
// KubernetesDefaultRouter, flagger-integration.md §2): ClusterIP Services selecting the canary's
// pods (`labelKey: labelValue`) or the primary's (`labelKey: labelValue-primary`), owned by the
// Canary. Existing Services are read from the watch-backed cache and written only when their
// ports or selector (and, when the Canary owns them, labels/annotations) differ, so a steady
// tick makes no request.
#include <map>
#include <string>

#include "api/canary.h"
#include "common/result.h"
#include "platform/kubernetes/object_cache.h"

namespace aviary::platform::kubernetes {

// What GetMetadata discovers on the target (§1.2).
struct TargetMetadata {
  std::string labelKey, labelValue;
  std::map<std::string, int32_t> ports;  // port discovery: name → port
};

enum class ServiceRole { Apex, Primary, Canary };

class Services {
 public:
  Services(kube::Client& client, ObjectCache& cache) : client_(client), cache_(cache) {}

  // The desired Service of `role` (§2.2, §2.3), without nodePorts.
  static kube::Json desired(const api::Canary& canary, ServiceRole role, const TargetMetadata& meta);
  // Creates or updates the Service of `role` (§2.4).
  Status reconcile(const api::Canary& canary, ServiceRole role, const TargetMetadata& meta);
  // revertOnDeletion (§2.5): a user-created apex Service gets its selector back (from its
  // last-applied configuration, else the canary's pods); a Canary-owned one is left alone.
  Status finalizeApex(const api::Canary& canary, const TargetMetadata& meta);

 private:
  Status apply(const api::Canary& canary, kube::Json want, bool manageMetadata);

  kube::Client& client_;
  ObjectCache& cache_;
};

}  // namespace aviary::platform::kubernetes
