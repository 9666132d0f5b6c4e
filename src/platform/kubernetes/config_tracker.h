#pragma once
// ConfigMap / Secret tracking of a Deployment target (flagger-integration.md §1.12): the configs
// its pod template references, their checksums (what status.trackedConfigs holds, so that a
// config edit is a new revision) and their `-primary` copies, which the primary's pod spec names
// instead. Reads come from the watch-backed caches; copies are written only when they differ.
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
