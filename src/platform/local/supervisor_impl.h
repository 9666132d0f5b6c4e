#pragma once
// Internal to the local platform: the Supervisor implementation, split over supervisor.cpp
// (public methods, background loop, state file, shutdown) and replica.cpp (one replica's life:
// start, exit, back-off, probes, stop).
#include <condition_variable>
#include <mutex>
#include <thread>

#include "platform/local/process.h"
#include "platform/local/supervisor_state.h"

namespace aviary::platform::local::detail {

class SupervisorImpl final : public Supervisor {
 public:
  explicit SupervisorImpl(Options options);
  ~SupervisorImpl() override;
  // Creates directories, loads and adopts an earlier state, starts the loop thread.
  Status init();

  Status apply(const std::string& set, const ProcessSpec& spec, int replicas) override;
  Status scale(const std::string& set, int from, int to) override;
  SetStatus status(const std::string& set) const override;
  std::vector<std::string> sets() const override;
  void remove(const std::string& set) override;
  void shutdown(ShutdownMode mode) override;

 private:
  // --- replica.cpp (all with mu_ held) ---
  // Picks a port and spawns `r` from r.spec; a failure puts it in back-off with the reason.
  void startReplica(const std::string& setName, Set& set, Replica& r, TimePoint now);
  // Reaps or detects the exit of `r`, runs its probes, restarts it after back-off. Returns false
  // when the replica is gone for good and must be erased.
  bool pollReplica(const std::string& setName, Set& set, Replica& r, TimePoint now);
  // SIGTERM to the group now, SIGKILL at now + grace (at once when grace is 0).
  void beginStop(Replica& r, TimePoint now);
  // True when the process `r` names has exited (reaping it when it is our child); fills `how`.
  bool exited(Replica& r, std::string& how);
  void handleProbeResult(Set& set, Replica& r, bool ok, TimePoint now);
  // The replica's environment and argv, with $(VAR) expanded (see supervisor.h).
  SpawnRequest spawnRequest(const ProcessSpec& spec, const std::string& logPath, uint16_t port) const;

  // --- supervisor.cpp ---
  void loop();
  void tick(TimePoint now);  // mu_ held
  void adopt(TimePoint now);  // mu_ held, at init
  // Encodes the state (mu_ held); the caller writes it with writeState after unlocking.
  std::string snapshotState() const;
  void writeState(const std::string& content);
  void drainProbes(bool wait);  // mu_ held unless wait
  void stopAll();

  Options options_;
  std::string statePath_;
  std::string logDir_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, Set> sets_;
  std::vector<std::future<bool>> draining_;  // probes of replicas that went away meanwhile
  bool dirty_ = false;
  bool stopping_ = false;
  bool shutDown_ = false;
  TimePoint lastRotation_{};
  std::thread thread_;
};

}  // namespace aviary::platform::local::detail
