#pragma once
// MetricTemplate / AlertProvider secretRefs on Kubernetes: the Secret's `data`, base64-decoded,
// read from the platform's watch-backed Secrets cache (no request per lookup). Thread-safe.
#include "metrics/secret_source.h"
#include "platform/kubernetes/object_cache.h"

namespace aviary::platform::kubernetes {

class KubeSecretSource final : public metrics::SecretSource {
 public:
  explicit KubeSecretSource(const ObjectCache& secrets) : secrets_(secrets) {}
  Result<metrics::SecretData> get(const std::string& namespace_, const std::string& name) const override;

 private:
  const ObjectCache& secrets_;
};

}  // namespace aviary::platform::kubernetes
