#pragma once
// The Kubernetes platform's Target for `targetRef.kind: Service` (Flagger's ServiceController,
// flagger-integration.md §1.10): analysis in front of something that is not a pod workload. The
// user's Service `<target>` is copied to `<target>-canary` (kept in step with the target at
// every initialize) and `<target>-primary` (created once, then updated only by promote); the
// mesh router splits traffic between the two copies. There is no primary workload, no scaling,
// no config tracking, and readiness is always ready. The revision is the hash of the target
// Service's `spec`.
//
// Differences from Flagger (docs/kubernetes.md): a copy is written only when it differs (Flagger
// PUTs the canary copy every tick); on create `clusterIP`, `clusterIPs` and nodePorts are
// cleared whatever the type (Flagger clears `clusterIP` of ClusterIP Services only, so copies of
// NodePort Services collide), and on update the existing copy's are kept; the primary keeps its
// owner reference to the Canary on promotion (Flagger replaces it with the target's).
#include <string>
#include <vector>

#include "controller/target.h"
#include "platform/kubernetes/kube_context.h"

namespace aviary::platform::kubernetes {

// The copy `name` of the target Service: the target's labels, annotations (without kubectl's
// last-applied-configuration) and spec, `spec.trafficDistribution` from the Canary when set, the
// Canary's owner reference. `existing` (the current copy, or null) gives uid, resourceVersion,
// clusterIP(s) and nodePorts to keep.
kube::Json serviceTargetCopy(const api::Canary& canary, const kube::Json& target, const std::string& name,
                             const kube::Json* existing);

// Promote (§1.10): `primary` rewritten from the target's spec, labels and annotations through
// -include-label-prefix, keeping the primary's uid, resourceVersion and clusterIP(s).
kube::Json promotedServiceTarget(const api::Canary& canary, const kube::Json& target, const kube::Json& primary,
                                 const std::vector<std::string>& includeLabelPrefix);

class ServiceTarget final : public controller::Target {
 public:
  explicit ServiceTarget(const KubeContext& ctx) : ctx_(ctx) {}

  Result<std::string> revision(const api::Canary& canary) override;
  Result<controller::ConfigChecksums> configs(const api::Canary&) override { return controller::ConfigChecksums{}; }
  controller::Readiness initialize(const api::Canary& canary, bool requirePrimaryReady) override;
  controller::Readiness isPrimaryReady(const api::Canary&) override { return controller::Readiness::ready(); }
  controller::Readiness isCanaryReady(const api::Canary&) override { return controller::Readiness::ready(); }
  Status promote(const api::Canary& canary) override;
  Status scaleToZero(const api::Canary&) override { return okStatus(); }
  Status scaleFromZero(const api::Canary&) override { return okStatus(); }
  Status reconcilePrimaryScaler(const api::Canary&, bool) override { return okStatus(); }
  Status pauseTargetScaler(const api::Canary&) override { return okStatus(); }
  Status resumeTargetScaler(const api::Canary&) override { return okStatus(); }
  Status revert(const api::Canary&) override { return okStatus(); }

 private:
  Result<JsonPtr> target(const api::Canary& canary) const;
  // Creates `name` from the target, or updates it when `update` and it differs.
  Status write(const api::Canary& canary, const kube::Json& target, const std::string& name, bool update);

  const KubeContext& ctx_;
};

}  // namespace aviary::platform::kubernetes
