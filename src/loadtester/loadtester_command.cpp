#include "loadtester/loadtester_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#include "common/log.h"
#include "loadtester/go_flags.h"
#include "loadtester/server.h"

namespace aviary::loadtester {

int runLoadtesterCommand(const std::vector<std::string>& args, const std::string& selfExe) {
  LoadtesterOptions o;
  int port = o.port, maxBody = static_cast<int>(o.maxBodyBytes), maxTasks = static_cast<int>(o.maxTasks);
  std::string logLevel = "info", zapEncoding, heyMode;
  bool zapGlobals = false;
  const char* envToken = std::getenv("AVIARY_LOADTESTER_TOKEN");
  if (envToken) o.token = envToken;
  const char* envHey = std::getenv("AVIARY_LOADTESTER_HEY");
  if (envHey) heyMode = envHey;
  GoFlags flags("Usage: aviary loadtester [flags]   (flags take one or two dashes: -port 8080, --port=8080)");
  flags.addInt("port", &port, "Port to listen on (default 8080, as in Flagger's manifests)");
  flags.addString("listen", &o.listenAddress, "Address to listen on (default 127.0.0.1)");
  flags.addDuration("timeout", &o.timeout, "Maximum run time of every command, Go duration (default 1h)");
  flags.addString("namespace-regexp", &o.namespaceRegexp, "Only serve payloads whose namespace matches (RE2, unanchored)");
  flags.addString("log-level", &logLevel, "debug, info, warn or error (default info)");
  flags.addBool("log-cmd-output", &o.logCmdOutput, "Log the output of every background command");
  flags.addString("zap-encoding", &zapEncoding, "Accepted for compatibility; ignored");
  flags.addBool("zap-replace-globals", &zapGlobals, "Accepted for compatibility; ignored");
  flags.addString("token", &o.token, "Require 'Authorization: Bearer TOKEN' or ?token=TOKEN (env AVIARY_LOADTESTER_TOKEN)");
  flags.addStringList("allow-cmd", &o.allowCmd,
                      "Allowed command: RE2 words, each fully matching one word of the command; repeatable");
  flags.addInt("max-tasks", &maxTasks, "Commands running at once, bash and cmd together; 429 beyond (default 32)");
  flags.addBool("cmd-shell", &o.cmdShell, "Run type cmd with sh -c exactly like flagger-loadtester (default: no shell)");
  flags.addString("hey", &heyMode, "auto | builtin | external: which hey commands get (env AVIARY_LOADTESTER_HEY)");
  flags.addInt("max-body-bytes", &maxBody, "Largest accepted request body (default 1048576)");
  auto parsed = flags.parse(args);
  if (!parsed) {
    std::fprintf(stderr, "aviary loadtester: %s\n\n%s", parsed.error().message.c_str(), flags.usage().c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(flags.usage().c_str(), stdout);
    return 0;
  }
  if (!parsed->positional.empty()) {
    std::fprintf(stderr, "aviary loadtester: unexpected argument \"%s\"\n", parsed->positional[0].c_str());
    return 2;
  }
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "aviary loadtester: -port: expected 0..65535, found %d\n", port);
    return 2;
  }
  if (maxTasks <= 0) {
    std::fprintf(stderr, "aviary loadtester: -max-tasks must be positive\n");
    return 2;
  }
  if (maxBody <= 0) {
    std::fprintf(stderr, "aviary loadtester: -max-body-bytes must be positive\n");
    return 2;
  }
  auto mode = parseHeyMode(heyMode);
  if (!mode) {
    std::fprintf(stderr, "aviary loadtester: %s\n", mode.error().format().c_str());
    return 2;
  }
  if (!setLogLevel(logLevel)) spdlog::warn("unknown -log-level \"{}\", using info", logLevel);
  o.port = static_cast<uint16_t>(port);
  o.maxBodyBytes = static_cast<size_t>(maxBody);
  o.maxTasks = static_cast<size_t>(maxTasks);
  o.heyMode = *mode;
  if (!selfExe.empty()) o.builtinHey = {selfExe, "hey"};

  // Handle SIGINT/SIGTERM on this thread only: block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  auto server = LoadtesterServer::start(o);
  if (!server) {
    std::fprintf(stderr, "aviary loadtester: %s\n", server.error().format().c_str());
    return server.error().code == ErrorCode::Invalid ? 2 : 1;
  }
  if (o.allowCmd.empty()) {
    spdlog::warn("no --allow-cmd given: any client that can reach {} can run commands", (*server)->url());
  }
  if (o.token.empty() && o.listenAddress != "127.0.0.1" && o.listenAddress != "::1" && o.listenAddress != "localhost") {
    spdlog::warn("listening on {} without --token: commands can be run from the network", o.listenAddress);
  }
  spdlog::info("aviary loadtester listening on {} (command timeout {}, hey: {})", (*server)->url(),
               formatDuration(o.timeout), heyMode.empty() ? "auto" : heyMode);
  int sig = 0;
  sigwait(&sigs, &sig);
  spdlog::info("received signal {}, stopping (running commands are killed)", sig);
  (*server)->stop();
  return 0;
}

}  // namespace aviary::loadtester
