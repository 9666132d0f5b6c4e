// `aviary proxy --config FILE`: runs the data-plane proxy until SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "proxy/server.h"

namespace aviary::cli {

void addProxyCommand(CLI::App& app, Runner& run) {
  struct Opts {
    std::string config;
    int workers = 0;
    int adminPort = -1;
    std::string adminTokenFile;
    bool check = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("proxy", "Run the L7 proxy (weighted routes, mirroring, retries, Istio telemetry)");
  cmd->add_option("-c,--config", opts->config, "Proxy configuration file (YAML or JSON); see docs/proxy.md")
      ->required();
  cmd->add_option("--workers", opts->workers, "Override the number of worker threads (config `workers`)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--admin-port", opts->adminPort, "Override the admin API port (config `admin.port`)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--admin-token-file", opts->adminTokenFile,
                  "Admin token file (config `admin.tokenFile`): read, or created with a new random token");
  cmd->add_flag("--check", opts->check, "Validate the configuration and exit (0 valid, 1 invalid)");
  cmd->callback([opts, &run] {
    run = [opts] {
      auto cfg = proxy::loadProxyConfigFile(opts->config);
      if (!cfg.ok()) {
        std::fprintf(stderr, "%s\n", cfg.error().format().c_str());
        return cfg.error().code == ErrorCode::Io ? 2 : 1;
      }
      if (opts->workers > 0) cfg->workers = static_cast<uint32_t>(opts->workers);
      if (opts->adminPort >= 0) cfg->admin.port = static_cast<uint16_t>(opts->adminPort);
      // Token sources, strongest last: the config, AVIARY_PROXY_ADMIN_TOKEN, --admin-token-file.
      if (const char* t = std::getenv("AVIARY_PROXY_ADMIN_TOKEN"); t != nullptr && *t != '\0') cfg->admin.token = t;
      if (!opts->adminTokenFile.empty()) {
        cfg->admin.token.clear();
        cfg->admin.tokenFile = opts->adminTokenFile;
      }
      if (Status s = proxy::checkAdminExposure(cfg->admin); !s.ok()) {
        std::fprintf(stderr, "%s: %s\n", opts->config.c_str(), s.error().format().c_str());
        return 1;
      }
      if (opts->check) {
        std::printf("%s: valid\n", opts->config.c_str());
        return 0;
      }
      // Block the stop signals in every thread (workers inherit the mask), then wait for one.
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      auto server = proxy::ProxyServer::start(std::move(cfg.value()));
      if (!server.ok()) {
        std::fprintf(stderr, "aviary proxy: %s\n", server.error().format().c_str());
        return 1;
      }
      const proxy::ProxyConfig current = server.value()->currentConfig();
      for (size_t i = 0; i < current.listeners.size(); ++i) {
        std::printf("listener %s on %s:%u\n", current.listeners[i].name.c_str(), current.listeners[i].address.c_str(),
                    server.value()->listenerPort(i));
      }
      if (server.value()->adminPort() != 0) {
        std::printf("admin on %s:%u\n", current.admin.address.c_str(), server.value()->adminPort());
      }
      std::fflush(stdout);
      int sig = 0;
      sigwait(&set, &sig);
      server.value()->stop();
      return 0;
    };
  });
}

}  // namespace aviary::cli
