#pragma once
// What every Kubernetes target and router of one platform shares: the client, the watch-backed
// caches of the objects they read, Flagger's flags that shape the objects they write, the clock.
// Owned by KubePlatform; outlives every target and router.
#include <string>
#include <vector>

#include "common/clock.h"
#include "kube/client.h"
#include "platform/kubernetes/object_cache.h"

namespace aviary::platform::kubernetes {

struct KubeContext {
  kube::Client* client = nullptr;
  ObjectCache* deployments = nullptr;
  ObjectCache* daemonSets = nullptr;
  ObjectCache* services = nullptr;
  ObjectCache* hpas = nullptr;
  ObjectCache* configMaps = nullptr;
  ObjectCache* secrets = nullptr;
  // -selector-labels (default app,name,app.kubernetes.io/name), in order.
  std::vector<std::string> selectorLabels{"app", "name", "app.kubernetes.io/name"};
  // -include-label-prefix split on ',' (Flagger's default "" gives {""}: nothing copied).
  std::vector<std::string> includeLabelPrefix{""};
  bool configTracking = true;  // -enable-config-tracking
  const Clock* clock = nullptr;
};

}  // namespace aviary::platform::kubernetes
