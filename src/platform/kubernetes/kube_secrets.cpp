#include "platform/kubernetes/kube_secrets.h"

#include <fmt/format.h>

#include "kube/config.h"

namespace aviary::platform::kubernetes {

Result<metrics::SecretData> KubeSecretSource::get(const std::string& ns, const std::string& name) const {
  auto s = secrets_.get(ns, name);
  if (!s) return makeError(ErrorCode::NotFound, fmt::format("secret {}.{} not found", name, ns));
  metrics::SecretData out;
  auto data = s->find("data");
  if (data == s->end() || !data->is_object()) return out;
  for (auto it = data->begin(); it != data->end(); ++it) {
    if (!it->is_string()) continue;
    auto v = kube::decodeBase64(it->get<std::string>());
    if (!v) return makeError(ErrorCode::Io, fmt::format("secret {}.{} key {}: invalid base64", name, ns, it.key()));
    out[it.key()] = *v;
  }
  return out;
}

}  // namespace aviary::platform::kubernetes
