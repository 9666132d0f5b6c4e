#pragma once
// What the operator commands (`aviary status|history|promote|abort|pause|resume|retry`) share to
// reach a controller: its local status API (`--server`, `aviary run`) or a Kubernetes API server
// (`--kubeconfig FILE`, or `--kube` for kubectl's files: $KUBECONFIG, else ~/.kube/config, else
// the pod's service account), with `--context`. docs/operations.md.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common/result.h"
#include "kube/client.h"

namespace aviary::cli {

struct TargetFlags {
  std::string server;     // the local status API (env AVIARY_SERVER, default http://127.0.0.1:8080)
  std::string tokenFile;  // the local admin token (env AVIARY_ADMIN_TOKEN holds it directly)
  bool kube = false;
  std::string kubeconfig, context;

  bool onKubernetes() const { return kube || !kubeconfig.empty() || !context.empty(); }
  // The local admin token: the file's first line, else $AVIARY_ADMIN_TOKEN, else "".
  Result<std::string> adminToken() const;
};

// The admin token of the local status API, read the same way by `aviary run` (which checks it)
// and by the commands (which send it): FILE's first line with trailing CR and spaces cut; without
// FILE, $AVIARY_ADMIN_TOKEN; else "". Io error when FILE cannot be read.
Result<std::string> readAdminToken(const std::string& file);

// Adds --server, --admin-token-file, --kube, --kubeconfig, --context to `cmd`.
void addTargetFlags(CLI::App* cmd, TargetFlags& flags);

struct KubeTarget {
  std::unique_ptr<kube::Client> client;
  std::string ns;  // the context's namespace (kubectl's default for -n)
};
// A client for the cluster `flags` name (as kubectl finds it).
Result<KubeTarget> kubeClient(const TargetFlags& flags, const std::string& userAgent);

}  // namespace aviary::cli
