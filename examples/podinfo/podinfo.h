#pragma once
// `aviary podinfo`: a small HTTP server with the endpoints of stefanprodan/podinfo that the seed
// scenario uses, so that a canary release can be shown end to end without containers. Its version
// is set by flag or environment and it can inject faults (5xx, 404, added latency), which is what a
// bad release looks like to the analysis. Not a data-plane component: it uses the control-plane
// HTTP server (one thread per connection).
//
// Endpoints (docs/podinfo.md): GET / (JSON: hostname, version, message, ...), GET /version,
// GET /healthz, GET /readyz, POST /token ({"token": ..., "expires_at": ...}), ANY /status/{code},
// ANY /delay/{seconds} (at most Options::maxDelay). Faults apply to every endpoint except the
// probes (/healthz, /readyz), so that a faulty release still becomes ready, as a release whose bug
// is in its request path does, and except the paths of Options::faultSkipPaths.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/result.h"

namespace aviary::podinfo {

struct Options {
  std::string listen = "127.0.0.1";
  uint16_t port = 9898;
  std::string version = "3.1.0";
  std::string color = "#34577c";  // podinfo's ui.color (PODINFO_UI_COLOR)
  std::string message;            // podinfo's ui.message; "" = "greetings from podinfo v" + version
  double fault5xxRatio = 0;       // share of answers replaced by a 500, in [0, 1]
  double fault404Ratio = 0;       // share of answers replaced by a 404, in [0, 1]
  Duration faultLatency{0};       // added before every answer
  // Paths (exact) never faulted, besides the probes: e.g. /token, so that a pre-rollout check
  // that calls it passes and the metric checks are what catch the faulty release.
  std::vector<std::string> faultSkipPaths;
  std::optional<uint64_t> seed;   // fault draws and tokens are deterministic when set
  Duration maxDelay{std::chrono::seconds(30)};  // /delay/{seconds} above this is a 400
};

// The environment variables read by applyEnvironment, in the order they are documented.
inline constexpr const char* kEnvVersion = "PODINFO_VERSION";
inline constexpr const char* kEnvColor = "PODINFO_UI_COLOR";
inline constexpr const char* kEnvMessage = "PODINFO_UI_MESSAGE";
inline constexpr const char* kEnvFault5xx = "PODINFO_FAULT_5XX_RATIO";
inline constexpr const char* kEnvFault404 = "PODINFO_FAULT_404_RATIO";
inline constexpr const char* kEnvFaultLatency = "PODINFO_FAULT_LATENCY";
inline constexpr const char* kEnvFaultSkipPaths = "PODINFO_FAULT_SKIP_PATHS";  // comma-separated
inline constexpr const char* kEnvSeed = "PODINFO_SEED";

// Reads the PODINFO_* variables through `getenv` (nullptr = unset) into `options`. Every bad
// value is reported at once, as "PODINFO_FAULT_5XX_RATIO: expected a number in [0, 1], found ...";
// `options` is left unchanged when any is bad. Flags given on the command line are applied after
// this, so they win.
Status applyEnvironment(Options& options, const std::function<const char*(const char*)>& getenv);

// Checks ranges (ratios in [0, 1] and their sum at most 1, latency >= 0); every problem at once.
Status validateOptions(const Options& options);

// A running server. Thread-safe; handlers run on the HTTP server's connection threads.
class Server {
 public:
  virtual ~Server() = default;
  // Binds options.listen:options.port (0 = ephemeral) and serves in the background. An address
  // that cannot be bound is an Error naming it.
  static Result<std::unique_ptr<Server>> start(const Options& options, const Clock& clock);
  virtual uint16_t port() const = 0;
  virtual std::string url() const = 0;  // "http://127.0.0.1:PORT"
  virtual void stop() = 0;              // idempotent; joins every thread
};

}  // namespace aviary::podinfo
