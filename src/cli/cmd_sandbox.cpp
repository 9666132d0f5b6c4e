// `aviary sandbox --kubeconfig FILE`: a Kubernetes API server on loopback (src/sandbox) for trying
// Aviary with kubectl and no cluster; runs until SIGINT/SIGTERM. Not a production API server.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <random>

#include "cli/commands.h"
#include "common/duration.h"
#include "sandbox/api_server.h"

namespace aviary::cli {

namespace {

// Writes the kubeconfig readable by its owner only (it holds the token), replacing it atomically.
Status writePrivateFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return makeError(ErrorCode::Io, "cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return makeError(ErrorCode::Io, "cannot write " + path + ": " + std::strerror(errno));
  }
  return okStatus();
}

std::string randomToken() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (int i = 0; i < 32; ++i) t += hex[rd() % 16];
  return t;
}

}  // namespace

void addSandboxCommand(CLI::App& app, Runner& run) {
  struct Opts {
    std::string kubeconfig;
    std::string listen = "127.0.0.1:0";
    std::string context = "aviary-sandbox";
    std::string token;
    size_t watchHistory = 1000;
    std::string bookmarkInterval = "10s";
    bool noKubelet = false;
    std::string state;
    bool plainHttp = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "sandbox", "Run a Kubernetes API server on loopback to try Aviary with kubectl (not for production; docs/sandbox.md)");
  cmd->add_option("--kubeconfig", opts->kubeconfig, "Write a kubeconfig for the sandbox to this file (mode 0600)")
      ->required();
  cmd->add_option("--listen", opts->listen, "Address:port to serve on (port 0 = any free port)")
      ->capture_default_str();
  cmd->add_option("--context", opts->context, "Name of the cluster, user and context in the kubeconfig")
      ->capture_default_str();
  cmd->add_option("--token", opts->token,
                  "Require this bearer token (written to the kubeconfig; default: a random one, none with --plain-http)");
  cmd->add_flag("--plain-http", opts->plainHttp,
                "Serve plain HTTP without a token instead of HTTPS with a generated CA (kubectl sends no token over HTTP)");
  cmd->add_option("--watch-history", opts->watchHistory,
                  "Writes kept for watches; a watch from an older resourceVersion gets 410 Expired")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  cmd->add_option("--bookmark-interval", opts->bookmarkInterval, "Time between BOOKMARK events of a watch")
      ->capture_default_str();
  cmd->add_flag("--no-kubelet", opts->noKubelet, "Do not mark Deployments' and DaemonSets' pods ready");
  cmd->add_option("--state", opts->state,
                  "Keep the objects in this JSON file too (loaded at start, rewritten within a second of writes)");
  cmd->callback([opts, &run] {
    run = [opts] {
      sandbox::ApiServerOptions o;
      auto colon = opts->listen.rfind(':');
      int port = -1;
      if (colon != std::string::npos) {
        try {
          port = std::stoi(opts->listen.substr(colon + 1));
        } catch (const std::exception&) {
        }
      }
      if (colon == std::string::npos || port < 0 || port > 65535) {
        std::fprintf(stderr, "aviary sandbox: --listen: expected ADDRESS:PORT, found \"%s\"\n", opts->listen.c_str());
        return 2;
      }
      o.address = opts->listen.substr(0, colon);
      if (o.address.size() > 2 && o.address.front() == '[' && o.address.back() == ']') o.address = o.address.substr(1, o.address.size() - 2);
      o.port = static_cast<uint16_t>(port);
      auto interval = parseDuration(opts->bookmarkInterval);
      if (!interval || interval->count() <= 0) {
        std::fprintf(stderr, "aviary sandbox: --bookmark-interval: expected a positive duration, found \"%s\"\n",
                     opts->bookmarkInterval.c_str());
        return 2;
      }
      o.bookmarkInterval = *interval;
      o.watchHistory = opts->watchHistory;
      o.kubelet = !opts->noKubelet;
      o.tls = !opts->plainHttp;
      o.token = opts->token.empty() && !opts->plainHttp ? randomToken() : opts->token;
      o.stateFile = opts->state;

      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      SystemClock clock;
      std::random_device rd;
      SeededRandom random((static_cast<uint64_t>(rd()) << 32) | rd());
      auto server = sandbox::ApiServer::start(o, clock, random);
      if (!server) {
        std::fprintf(stderr, "aviary sandbox: %s\n", server.error().format().c_str());
        return 1;
      }
      std::string url = server.value()->url();
      if (auto st = writePrivateFile(opts->kubeconfig, sandbox::kubeconfigFor(url, o.token, opts->context, server.value()->caCertPem())); !st) {
        std::fprintf(stderr, "aviary sandbox: %s\n", st.error().format().c_str());
        return 2;
      }
      std::printf("aviary sandbox: serving %s (%s); kubeconfig: %s\n", url.c_str(),
                  o.tls ? "HTTPS, generated CA, bearer token" : "plain HTTP, no authentication", opts->kubeconfig.c_str());
      std::fflush(stdout);
      int sig = 0;
      sigwait(&set, &sig);
      server.value()->stop();
      return 0;
    };
  });
}

}  // namespace aviary::cli
