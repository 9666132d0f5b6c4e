#pragma once
// ConfigMap / Secret tracking of a Deployment target (flagger-integration.md §1.12): the configs
// its pod template references, their checksums (what status.trackedConfigs holds, so that a
// config edit is a new revision) and their `-primary` copies, which the primary's pod spec names
// instead. Reads come from the watch-backed caches; copies are written only when they differ.
#include <functional>
#include <map>
#include <string>

#include "api/canary.h"
#include "common/result.h"
#include "controller/target.h"
#include "platform/kubernetes/kube_context.h"
#include "platform/kubernetes/primary_spec.h"

namespace aviary::platform::kubernetes {

struct TrackedConfig {
  std::string kind;  // "configmap" | "secret"
  std::string name;
  std::string checksum;
  JsonPtr object;
};
using TrackedConfigs = std::map<std::string, TrackedConfig>;  // "configmap/<name>" → config

// A reference of the pod spec to a ConfigMap or Secret; `path` is the field naming it, relative
// to the pod spec ("containers[0].envFrom[0].configMapRef.name").
struct ConfigRef {
  std::string kind;  // "configmap" | "secret"
  std::string name;
  std::string path;
  bool optional = false;
};
using ConfigRefs = std::map<std::string, ConfigRef>;  // "configmap/<name>" → the last reference

// Discovery (§1.12): volumes (configMap, secret, projected sources) and the env/envFrom of
// containers and initContainers.
ConfigRefs configRefs(const kube::Json& podSpec);

// The object `kind` ("configmap" | "secret") named `name` in the canary's namespace, null when absent.
using ConfigLookup = std::function<JsonPtr(const std::string& kind, const std::string& name)>;

// The tracked configs of the target's pod template, objects from `lookup` (no I/O of its own);
// NotFound when a mandatory reference is missing. Skips configs annotated
// flagger.app/config-tracking: disabled and Secrets of other types than Flagger tracks.
Result<TrackedConfigs> trackConfigs(const api::Canary& canary, const kube::Json& target, const ConfigLookup& lookup);

// The `<name>-primary` copy of a tracked config: its data (and Secret type), labels by
// -include-label-prefix, the Canary's controller owner reference plus the other owners of
// `existing` (the current copy, or null) as non-controllers.
kube::Json primaryConfigCopy(const api::Canary& canary, const TrackedConfig& config,
                             const std::vector<std::string>& includeLabelPrefix, const kube::Json* existing);

// Flagger's checksum: hex of the first 8 bytes of SHA-256 over Go's JSON encoding of `data`.
std::string configChecksum(const kube::Json& data);

class ConfigTracker {
 public:
  explicit ConfigTracker(const KubeContext& ctx) : ctx_(ctx) {}
  // The tracked configs of the target's pod template; a missing mandatory reference is an error.
  // Empty when tracking is disabled (-enable-config-tracking=false).
  Result<TrackedConfigs> scan(const api::Canary& canary, const kube::Json& target) const;
  static controller::ConfigChecksums checksums(const TrackedConfigs& configs);
  static TrackedNames names(const TrackedConfigs& configs);
  // Creates or updates the `-primary` copy of every tracked config.
  Status writePrimaries(const api::Canary& canary, const TrackedConfigs& configs) const;

 private:
  const KubeContext& ctx_;
};

}  // namespace aviary::platform::kubernetes
