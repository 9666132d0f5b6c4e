#pragma once
// Where MetricTemplate `provider.secretRef` credentials come from. On Kubernetes this is the
// Secret's `data`; on the local platform it is a directory of files or the environment.
// The checker asks for a secret by (namespace, name) and gets its key → value map.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace aviary::metrics {

using SecretData = std::map<std::string, std::string>;

class SecretSource {
 public:
  virtual ~SecretSource() = default;
  // The data of Secret `name` in `namespace_`. Error code NotFound (message naming where it was
  // looked for) when the secret does not exist; Io when it exists but cannot be read.
  // Thread-safe.
  virtual Result<SecretData> get(const std::string& namespace_, const std::string& name) const = 0;
};
using SecretSourcePtr = std::shared_ptr<const SecretSource>;

// Secrets as a directory tree, the layout of a mounted Kubernetes Secret one level down:
//   <root>/<namespace>/<name>/<key>   (file content = value; one trailing "\n" is removed so that
//                                      `echo token > file` works)
// Hidden entries (starting with '.') are skipped, like the ..data links of mounted Secrets.
class DirectorySecretSource : public SecretSource {
 public:
  explicit DirectorySecretSource(std::string root) : root_(std::move(root)) {}
  Result<SecretData> get(const std::string& namespace_, const std::string& name) const override;

 private:
  std::string root_;
};

// Secrets from environment variables: key `k` of secret `name` in `namespace_` is the variable
//   AVIARY_SECRET_<NAMESPACE>_<NAME>_<KEY>
// where each part is upper-cased and every character other than A-Z 0-9 becomes '_'
// (e.g. istio-system/prom-auth key token → AVIARY_SECRET_ISTIO_SYSTEM_PROM_AUTH_TOKEN).
// The returned keys are the variable suffixes lower-cased ("TOKEN" → "token"). A secret with no
// variable at all is NotFound.
class EnvSecretSource : public SecretSource {
 public:
  // Reads the process environment at construction.
  EnvSecretSource();
  // Test seam: "NAME=value" entries instead of the process environment.
  explicit EnvSecretSource(std::vector<std::string> environment) : env_(std::move(environment)) {}
  Result<SecretData> get(const std::string& namespace_, const std::string& name) const override;

  // The variable-name prefix for a secret: "AVIARY_SECRET_<NAMESPACE>_<NAME>_".
  static std::string prefixFor(const std::string& namespace_, const std::string& name);

 private:
  std::vector<std::string> env_;
};

// In-memory secrets (tests, and callers that already hold the data). Key: "namespace/name".
class MapSecretSource : public SecretSource {
 public:
  explicit MapSecretSource(std::map<std::string, SecretData> secrets) : secrets_(std::move(secrets)) {}
  Result<SecretData> get(const std::string& namespace_, const std::string& name) const override;

 private:
  std::map<std::string, SecretData> secrets_;
};

}  // namespace aviary::metrics
