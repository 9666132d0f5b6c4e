#include "cli/kube_cli.h"

#include <cstdlib>
#include <fstream>

namespace aviary::cli {

void addTargetFlags(CLI::App* cmd, TargetFlags& f) {
  const char* env = std::getenv("AVIARY_SERVER");
  f.server = env ? env : "http://127.0.0.1:8080";
  cmd->add_option("--server", f.server, "The local controller's status API (env AVIARY_SERVER)")->capture_default_str();
  cmd->add_option("--admin-token-file", f.tokenFile,
                  "File holding the local controller's admin token (else env AVIARY_ADMIN_TOKEN)");
  cmd->add_flag("--kube", f.kube, "Talk to Kubernetes, kubeconfig found as kubectl finds it");
  cmd->add_option("--kubeconfig", f.kubeconfig, "Talk to Kubernetes with this kubeconfig file");
  cmd->add_option("--context", f.context, "The kubeconfig context (implies --kube)");
}

Result<std::string> readAdminToken(const std::string& file) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return makeError(ErrorCode::Io, file + ": cannot read the admin token file");
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
  }
  const char* env = std::getenv("AVIARY_ADMIN_TOKEN");
  return std::string(env ? env : "");
}

Result<std::string> TargetFlags::adminToken() const { return readAdminToken(tokenFile); }

Result<KubeTarget> kubeClient(const TargetFlags& flags, const std::string& userAgent) {
  Result<kube::ClusterConfig> cfg = makeError(ErrorCode::NotFound, "no cluster configuration");
  if (!flags.context.empty() || !flags.kubeconfig.empty()) {
    cfg = kube::loadKubeconfig(
        flags.kubeconfig.empty() ? kube::defaultKubeconfigFiles() : std::vector<std::string>{flags.kubeconfig},
        flags.context);
  } else {
    // kubectl's order for a command line: the files first, then the pod's service account.
    cfg = kube::loadKubeconfig(kube::defaultKubeconfigFiles());
    if (!cfg) {
      if (auto in = kube::inClusterConfig()) cfg = std::move(in);
    }
  }
  if (!cfg) return cfg.error();
  kube::ClientOptions co;
  co.userAgent = userAgent;
  KubeTarget t;
  t.ns = cfg->ns.empty() ? "default" : cfg->ns;
  t.client = std::make_unique<kube::Client>(*cfg, co);
  return t;
}

}  // namespace aviary::cli
