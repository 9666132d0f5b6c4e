#pragma once
// The sandbox API server: a Kubernetes API on loopback for tests and for trying Aviary with
// kubectl and no cluster. Not a production API server: objects live in memory (and, optionally,
// a state file), there is no admission, no schema validation and no RBAC — one bearer token.
//
// Served: discovery (/api, /apis, /apis/{group}, group versions, /version), get, list (label and
// field selectors, limit/continue), create, update, merge / strategic-merge / JSON patch, delete
// for the types of registry_builtin.cpp and for every CRD created through it (with its printer
// columns as Tables for `kubectl get`, and its status subresource); watches with bookmarks and
// 410 Expired for a compacted resourceVersion. HTTPS with a generated CA, or plain HTTP/1.1.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/http_server.h"
#include "common/result.h"
#include "sandbox/registry.h"
#include "sandbox/store.h"

namespace aviary::sandbox {

struct ApiServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;                                      // 0 = ephemeral
  std::string token;                                      // required as "Authorization: Bearer"; "" = no auth
  bool tls = false;  // serve HTTPS with a CA and server certificate generated at start (certs.h)
  size_t watchHistory = 1000;                             // writes kept for watches; older ones get 410
  std::chrono::milliseconds bookmarkInterval{10000};     // between BOOKMARKs of a watch that asked for them
  std::chrono::seconds maxWatch{1800};                    // a watch ends after this (or its timeoutSeconds)
  bool kubelet = true;                                    // run the kubelet stand-in (kubelet.h)
  std::string stateFile;  // "" = memory only; else loaded at start (if present) and rewritten within a second of writes and at stop
};

class ApiServer {
 public:
  // Starts serving on a background thread pool (one thread per connection). The clock and random
  // source must outlive the server. Error (Unavailable) when the address cannot be bound.
  static Result<std::unique_ptr<ApiServer>> start(ApiServerOptions options, const Clock& clock, Random& random);

  virtual ~ApiServer() = default;
  virtual std::string url() const = 0;  // "http://127.0.0.1:PORT", or "https://…" with tls
  virtual std::string caCertPem() const = 0;  // the generated CA with tls, else ""
  virtual uint16_t port() const = 0;
  virtual Store& store() = 0;
  virtual Registry& registry() = 0;
  // Blocks until at least `n` watch streams are open (after their initial events), or `timeout`.
  // For tests that must act only once a client is watching.
  virtual bool waitForWatches(size_t n, std::chrono::milliseconds timeout) = 0;
  // The kubelet stand-in (kubelet.h; no-ops without it): keep a workload's pods unready, or
  // not; whether it has reconciled every write so far (true without it); pause it.
  virtual void holdUnready(const std::string& ns, const std::string& name, bool hold) = 0;
  virtual bool kubeletIdle() const = 0;
  virtual void pauseKubelet(bool paused) = 0;  // Kubelet::pause
  // Ends every watch, stops the kubelet stand-in and the listener. Idempotent.
  virtual void stop() = 0;
};

// A kubeconfig (YAML) with one cluster, user and context named `name`, pointing at `url`; with
// `caPem`, the cluster's certificate-authority-data.
std::string kubeconfigFor(const std::string& url, const std::string& token, const std::string& name,
                          const std::string& caPem = {});

}  // namespace aviary::sandbox
