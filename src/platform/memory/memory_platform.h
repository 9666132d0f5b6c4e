#pragma once
// The in-memory platform: a MemoryStore, an EventLog, in-memory secrets, MemoryTargets whose
// revision and readiness the caller scripts, and MemoryRouters (the no-op router for the
// `kubernetes` provider). What `aviary simulate`, the runtime's tests and the controller
// benchmark run on.
//
// Thread-safe. A target is driven (setRevision/setReady) through target(): do it between ticks
// of that canary (its ticks call the same object).
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controller/event_log.h"
#include "platform/memory/memory_target.h"
#include "platform/memory/memory_store.h"
#include "platform/platform.h"
#include "platform/memory/memory_router.h"

namespace aviary::platform {

class MemoryPlatform final : public Platform {
 public:
  explicit MemoryPlatform(const Clock& clock, uint64_t seed = 1);

  MemoryStore& memoryStore() { return store_; }
  controller::EventLog& eventLog() { return events_; }
  // The revision a new target starts with (default {"image": "podinfo:1"}).
  void setInitialRevision(nlohmann::json revision);
  void setSecrets(std::map<std::string, metrics::SecretData> secrets);

  // The target made for canary ns/name (null before its first tick). Owned by the runtime; valid
  // until the canary is forgotten. A target made again for a canary (a second runtime over this
  // platform) adopts the previous one's workload state, which must then still exist.
  controller::MemoryTarget* target(const std::string& ns, const std::string& name);
  router::Router* router(const std::string& ns, const std::string& name);
  // What the platform saw of a canary when told to forget it (tests of deletion).
  struct Forgotten {
    bool targetReverted = false;
    std::optional<router::Routes> routes;  // a MemoryRouter's routes (none for the no-op router)
  };
  int forgotten() const;
  std::optional<Forgotten> forgottenState(const std::string& ns, const std::string& name) const;

  // Platform
  Store& store() override { return store_; }
  controller::EventSink& events() override { return events_; }
  metrics::SecretSourcePtr secrets() override;
  Result<std::unique_ptr<controller::Target>> makeTarget(const api::Canary& canary) override;
  Result<std::unique_ptr<router::Router>> makeRouter(const api::Canary& canary, const std::string& provider) override;
  void forget(const api::Canary& canary) override;

 private:
  const Clock& clock_;
  MemoryStore store_;
  controller::EventLog events_;
  mutable std::mutex mu_;
  nlohmann::json initialRevision_;
  metrics::SecretSourcePtr secrets_;
  uint64_t seed_;
  std::map<std::string, controller::MemoryTarget*> targets_;
  std::map<std::string, router::Router*> routers_;
  std::map<std::string, router::MemoryRouter*> memoryRouters_;
  std::map<std::string, Forgotten> forgottenState_;
  std::map<std::string, std::unique_ptr<LazySeededRandom>> randoms_;
  int forgotten_ = 0;
};

}  // namespace aviary::platform
