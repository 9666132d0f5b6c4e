#pragma once
// Where and how to reach a Kubernetes API server: from kubeconfig files (as kubectl reads them) or
// from inside a pod (the service account). Pure data + loaders; no network.
#include <string>
#include <vector>

#include "common/result.h"

namespace aviary::kube {

struct ClusterConfig {
  std::string server;               // "https://host:port" (or "http://" for the sandbox)
  std::string caData;               // PEM; takes precedence over caFile
  std::string caFile;
  bool insecureSkipVerify = false;
  std::string tlsServerName;        // SNI / certificate name override
  std::string clientCertData, clientKeyData;  // PEM
  std::string clientCertFile, clientKeyFile;
  std::string token;                // bearer token
  std::string tokenFile;            // read at each request when token is empty (bound tokens rotate)
  std::string username, password;   // basic auth (legacy)
  std::string ns = "default";       // the context's namespace
  std::string contextName;          // the context used ("" for in-cluster)
};

// Reads kubeconfig files merged as kubectl merges them (the first file to define a name or set
// current-context wins) and picks `context`, or the current context when empty. Relative file
// paths in a kubeconfig are resolved against that file's directory; *-data fields are base64.
// Errors (Invalid / Io) read "FILE: field.path: expected …, found …" and list every problem.
Result<ClusterConfig> loadKubeconfig(const std::vector<std::string>& files, const std::string& context = {});

// The files kubectl would read: $KUBECONFIG split on ':' (empty parts skipped), else ~/.kube/config.
std::vector<std::string> defaultKubeconfigFiles();

// In-cluster configuration: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and the service
// account's token, ca.crt and namespace under `accountDir`. Error (NotFound) outside a pod.
Result<ClusterConfig> inClusterConfig(const std::string& accountDir = "/var/run/secrets/kubernetes.io/serviceaccount");

// Base64 (standard alphabet, padding optional). nullopt-like error on invalid input.
Result<std::string> decodeBase64(const std::string& text);

}  // namespace aviary::kube
