#pragma once
// Test support: a real Prometheus (the Debian `prometheus` binary) for integration tests.
//
//   auto prom = aviary::testsupport::PrometheusServer::start({.targets = {exporter->url()}});
//   ASSERT_TRUE(prom.ok()) << prom.error().format();      // never skip: a missing binary fails
//   auto v = aviary::testsupport::queryValue((*prom)->url(), "sum(my_metric)");
//
// start() launches `prometheus` bound to 127.0.0.1 on a free port, with a fresh temporary data
// directory and a generated config that scrapes itself (job "prometheus") and the given targets
// (job `jobName`) every `scrapeInterval`. It returns once the first sample of every target has been
// stored, which takes about 6 s even with a 1 s interval (Prometheus batches target discovery on a
// 5 s tick), so start one server per test binary (e.g. in SetUpTestSuite), not per test. Without
// targets it returns as soon as the query API answers (well under 1 s).
// The destructor (or stop()) sends SIGTERM, waits up to 10 s (then SIGKILL) and removes the
// temporary directory. Keep rate() windows several scrape intervals long (e.g. [10s] at 1 s).
//
// The binary is `prometheus` on PATH, or $AVIARY_PROMETHEUS_BIN when set. Not thread-safe:
// start/stop from one thread; url()/port() may be read from any thread.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace aviary::testsupport {

class PrometheusServer {
 public:
  struct Options {
    // Scrape targets as "host:port" or "http://host:port" (the scheme is dropped). Must be on
    // 127.0.0.1. May be empty (Prometheus then only scrapes itself).
    std::vector<std::string> targets;
    std::string jobName = "aviary-test";
    std::string metricsPath = "/metrics";
    std::chrono::milliseconds scrapeInterval{1000};
    // Bound on the wait for the first samples of all targets.
    std::chrono::milliseconds readyTimeout{30000};
    // Optional protection of the HTTP API (written to --web.config.file):
    //   TLS when both PEMs are set (url() is then https://...; self-signed is fine, the fixture's
    //   own polling does not verify), HTTP basic auth when basicAuthUsers is non-empty
    //   (user → bcrypt hash, e.g. from `htpasswd -nbB` or Python's crypt; a low cost like $2b$04$
    //   keeps requests fast). clientUser/clientPassword are what the fixture polls with.
    std::string tlsCertPem, tlsKeyPem;
    std::map<std::string, std::string> basicAuthUsers;
    std::string clientUser, clientPassword;
  };

  // Starts the server and waits for the first samples. Errors: the binary is missing, the process
  // exits early (the message includes the tail of its log), or readyTimeout passes.
  static Result<std::unique_ptr<PrometheusServer>> start(const Options& options);

  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // "http://127.0.0.1:<port>" (https with TLS)
  std::string url() const;
  uint16_t port() const { return port_; }
  // The temporary directory holding prometheus.yml, data/ and prometheus.log.
  const std::string& directory() const { return dir_; }
  // The last `maxBytes` of the server's stdout+stderr (for failure messages).
  std::string logTail(size_t maxBytes = 2000) const;

  // Polls `query` every 100 ms until its result vector is non-empty (and, when minValue is given,
  // the first sample is >= minValue), or fails after `timeout` naming the query.
  Status waitFor(const std::string& query, std::chrono::milliseconds timeout, double minValue = -1e308) const;

  // Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its directory. Idempotent.
  void stop();

 private:
  PrometheusServer() = default;
  pid_t pid_ = -1;
  bool tls_ = false;
  std::string clientUser_, clientPassword_;
  uint16_t port_ = 0;
  std::string dir_;
};

// How the helpers below talk to the server: optional basic auth; TLS is never verified (tests).
struct QueryAuth {
  std::string user, password;
};

// GET <baseUrl>/api/v1/query?query=... and returns the parsed JSON body (any HTTP status);
// Error on transport failure or a body that is not JSON.
Result<nlohmann::json> instantQuery(const std::string& baseUrl, const std::string& query, const QueryAuth& auth = {});

// The value of a single-sample instant query; Error (code NoValues) for an empty vector, Error
// for a failed query or several series.
Result<double> queryValue(const std::string& baseUrl, const std::string& query, const QueryAuth& auth = {});

// A free TCP port on 127.0.0.1 (bound and released; tiny race with other processes).
Result<uint16_t> pickFreeLoopbackPort();

}  // namespace aviary::testsupport
