#pragma once
// The local platform (docs/local-platform.md): Canaries, MetricTemplates and AlertProviders in
// a MemoryStore fed from files, Workloads run by the process supervisor (supervisor.h), services
// and routes on the in-process mesh (mesh.h), events in an EventLog. Everything that must
// survive a restart lives under the state directory:
//   <state>/canaries/NS_NAME.json   each Canary as last written (status, finalizers) — atomic
//   <state>/events/NS_NAME.jsonl    its events, appended (the last 200 are restored)
//   <state>/supervisor.json, logs/  the supervisor's replicas (adopted after a restart)
//   <state>/mesh.json               service ports and routes
// A restarted `aviary run` finds the replicas still running, the same ports and routes, and
// every Canary at its phase and weight.
//
// Thread-safe.
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/hpa.h"
#include "api/workload.h"
#include "controller/event_log.h"
#include "platform/local/mesh.h"
#include "platform/local/supervisor.h"
#include "platform/memory/memory_store.h"
#include "platform/platform.h"

namespace aviary::platform::local {

// The supervisor's set key for replica set `set` of namespace `ns` ("ns/set").
std::string setKey(const std::string& ns, const std::string& set);

struct LocalOptions {
  std::string stateDir;           // required
  const Clock* clock = nullptr;   // required
  uint16_t meshPort = 0;          // 0: the persisted port, else a free one
  uint16_t adminPort = 0;         // the proxy's admin API (its /stats/prometheus); same rule
  std::string selfExe;            // what `command: aviary` runs ("" = /proc/self/exe)
  uint64_t seed = 0;              // session-affinity cookies (0 = from the clock)
  Duration endpointSync{200};     // how often ready replicas are pushed to the mesh
};

class LocalPlatform final : public Platform {
 public:
  static Result<std::unique_ptr<LocalPlatform>> start(LocalOptions options);
  ~LocalPlatform() override;

  // --- the user's side (files) ---
  // Creates or replaces a Canary; a canary new to this process gets the status it had when the
  // last run stopped (its state file), so that it resumes.
  void applyCanary(api::Canary canary);
  Status deleteCanary(const std::string& ns, const std::string& name) { return store_.deleteCanary(ns, name); }
  // Creates or replaces a Workload: a plain workload is run with its replicas at once (and gets
  // its service); one a Canary targets keeps its replica count and takes the new spec (the
  // canary's engine sees the new revision at its next tick).
  void applyWorkload(api::Workload workload);
  void deleteWorkload(const std::string& ns, const std::string& name);

  // --- HorizontalPodAutoscalers (api/hpa.h), run by LocalAutoscaler (autoscaler.h) ---
  // Creates or replaces one; `owner` ("ns/name" of a Canary) marks a primary's clone, deleted
  // with its Canary (as Kubernetes' garbage collector does through the owner reference).
  void applyAutoscaler(api::HorizontalPodAutoscaler hpa, const std::string& owner = "");
  void deleteAutoscaler(const std::string& ns, const std::string& name);
  std::optional<api::HorizontalPodAutoscaler> autoscaler(const std::string& ns, const std::string& name) const;
  std::vector<api::HorizontalPodAutoscaler> autoscalers() const;

  // --- for the target and the status API ---
  Result<std::shared_ptr<const api::Workload>> workload(const std::string& ns, const std::string& name) const;
  std::vector<std::shared_ptr<const api::Workload>> workloads() const;
  // Desired state of replica set `set` of `ns`: `replicas` replicas of `workload`'s spec (with the
  // mesh's http_proxy in their environment, so that service names resolve for them).
  Status applySet(const std::string& ns, const std::string& set, const api::Workload& workload, int replicas);

  MemoryStore& memoryStore() { return store_; }
  controller::EventLog& eventLog() { return events_; }
  Mesh& mesh() { return *mesh_; }
  Supervisor& supervisor() { return *supervisor_; }
  const Clock& clock() const { return *options_.clock; }

  // Stops the endpoint sync; StopAll also stops every replica (a graceful exit), Detach leaves
  // them running for the next `aviary run` to adopt. Idempotent.
  void shutdown(ShutdownMode mode);

  // --- Platform ---
  Store& store() override { return store_; }
  controller::EventSink& events() override { return events_; }
  metrics::SecretSourcePtr secrets() override { return secrets_; }
  void setSecrets(metrics::SecretSourcePtr secrets) { secrets_ = std::move(secrets); }
  // Also hands every event to `printer` (e.g. `aviary run`'s output). Set before the runtime starts.
  using EventPrinter = std::function<void(const api::Canary&, const controller::Event&)>;
  void setEventPrinter(EventPrinter printer);
  Result<std::unique_ptr<controller::Target>> makeTarget(const api::Canary& canary) override;
  Result<std::unique_ptr<router::Router>> makeRouter(const api::Canary& canary, const std::string& provider) override;
  void forget(const api::Canary& canary) override;

 private:
  class Journal;
  explicit LocalPlatform(LocalOptions options);
  void persistCanary(const std::string& ns, const std::string& name);
  void syncEndpoints();
 public:
  // Pushes the ready endpoints of supervisor set `key` ("ns/set") to the mesh now (the sync
  // thread does it every endpointSync; readiness calls it so that a set the engine sees ready
  // also receives traffic).
  void pushEndpoints(const std::string& key);
  // Replaces workload W's plain service by the canary's apex, -primary and -canary services (the
  // apex routed to the primary). Idempotent.
  Status takeOverService(const api::Canary& canary, const std::string& workload);

 private:
  // The workload a canary's targetRef names, when this platform can run it.
  static Result<std::string> targetWorkload(const api::Canary& canary);
  // Whether a Canary (in the store) targets workload ns/name.
  bool managed(const std::string& ns, const std::string& name) const;

  LocalOptions options_;
  MemoryStore store_;
  std::unique_ptr<Journal> journal_;
  controller::EventLog events_;
  metrics::SecretSourcePtr secrets_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<Mesh> mesh_;
  std::unique_ptr<SeededRandom> random_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const api::Workload>> workloads_;  // "ns/name"
  std::map<std::string, std::vector<proxy::Endpoint>> pushed_;             // set key → endpoints
  struct OwnedHpa {
    api::HorizontalPodAutoscaler hpa;
    std::string owner;  // "" or the Canary "ns/name" whose primary it scales
  };
  std::map<std::string, OwnedHpa> autoscalers_;  // "ns/name"
  std::mutex pushMu_;                                                       // serialises pushEndpoints
  bool stopping_ = false;
  std::condition_variable cv_;
  std::thread syncer_;
};

}  // namespace aviary::platform::local
