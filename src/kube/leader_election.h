#pragma once
// Leader election on a `coordination.k8s.io/v1` Lease, the way client-go's leaderelection package
// does it, so that of several `aviary controller` replicas exactly one acts at a time.
//
// Contract:
// - The lease: `metadata.name` = config.leaseName in config.leaseNamespace. Its spec holds
//   holderIdentity, leaseDurationSeconds, acquireTime, renewTime (MicroTime, RFC 3339 with
//   microseconds, UTC) and leaseTransitions, as client-go writes them, so `kubectl get lease`
//   and client-go electors (Flagger's too, on the same lease name) read the same record.
// - Acquiring: a missing lease is created; an existing one is taken over (update with its
//   resourceVersion, so that of two contenders only one succeeds: the other gets 409) when its
//   holder is empty, is this elector, or has not renewed it for the record's
//   leaseDurationSeconds. "Not renewed" is judged on this process's monotonic clock from the
//   moment this elector first saw the record in its current form, not from renewTime, so that
//   clock skew between machines does not matter (client-go's observedTime).
// - Renewing: the leader rewrites renewTime every retryPeriod. If no renewal succeeded for
//   renewDeadline, leadership is lost: isLeader() turns false, onStoppedLeading is called and
//   run() returns. Because renewDeadline < leaseDuration, a leader that cannot renew stops
//   before any other elector may take the lease over (assuming clocks that advance at the same
//   rate, which is all client-go assumes too).
// - Releasing: when `stop` becomes true while leading and config.releaseOnStop is set, the
//   elector first turns isLeader() false, then writes the lease with an empty holderIdentity
//   (and leaseDurationSeconds 1), so another elector takes over at its next retry instead of
//   after the lease expires.
// - Threading: run() blocks the calling thread until `stop` is set or leadership is lost. The
//   callbacks run on that thread; onStartedLeading must return promptly (start the controller's
//   threads and return). isLeader() may be called from any thread; it also turns false by itself
//   once renewDeadline has passed since the last renewal, even while a request hangs, so that
//   work guarded by it never overlaps another elector's term.
// - Errors: API errors while acquiring are retried every retryPeriod (logged at debug); they
//   never end run(). The Client's request timeout should be below renewDeadline.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "kube/client.h"

namespace aviary::kube {

struct LeaderElectionConfig {
  std::string leaseName = "flagger-leader-election";  // Flagger's lock name: one of the two acts
  std::string leaseNamespace = "kube-system";          // -leader-election-namespace
  std::string identity;                                // "" = "<hostname>_<pid>"
  std::chrono::milliseconds leaseDuration{15000};      // client-go's defaults
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
  bool releaseOnStop = true;
  // How the elector waits between attempts. Default: the calling thread sleeps, waking early
  // when `stop` is set. Tests pass one that advances a ManualClock.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Checks leaseDuration > renewDeadline > retryPeriod > 0 and a non-empty lease name/namespace
// (client-go's checks). Every problem at once, as "field: expected …, found …".
Status validateLeaderElectionConfig(const LeaderElectionConfig& config);

// "<hostname>_<pid>".
std::string defaultLeaderIdentity();

// The lease's spec as client-go reads it (missing fields are empty / 0).
struct LeaseRecord {
  std::string holderIdentity;
  int64_t leaseDurationSeconds = 0;
  std::string acquireTime;  // MicroTime text
  std::string renewTime;
  int64_t leaseTransitions = 0;
};
LeaseRecord leaseRecordFromJson(const Json& lease);
Json leaseSpecToJson(const LeaseRecord& record);

// MicroTime text: "2026-12-06T09:35:06.123456Z".
std::string formatMicroTime(Clock::TimePoint t);

class LeaderElector {
 public:
  // `client` and `clock` must outlive the elector. The config is validated by run() and
  // tryAcquireOrRenew(); an invalid one makes them fail (run returns at once).
  LeaderElector(Client& client, LeaderElectionConfig config, const Clock& clock);

  // Waits to acquire, then renews while leading (see the contract above). Returns when `stop`
  // is set (after releasing) or leadership is lost; onStoppedLeading is called only if
  // onStartedLeading was. The error is an invalid config.
  Status run(const std::function<void()>& onStartedLeading, const std::function<void()>& onStoppedLeading,
             const std::atomic<bool>& stop);

  // True while this elector holds the lease and its last renewal is within renewDeadline.
  bool isLeader() const;
  const std::string& identity() const { return config_.identity; }

  // One attempt, as run() makes every retryPeriod: true when this elector holds the lease
  // afterwards. Exposed so that tests can drive the expiry arithmetic on a ManualClock.
  Result<bool> tryAcquireOrRenew();
  // Gives the lease up now if this elector holds it (what run() does on stop).
  Status release();

 private:
  void wait(std::chrono::milliseconds d, const std::atomic<bool>& stop);
  void setLeader(bool leader);

  Client& client_;
  LeaderElectionConfig config_;
  const Clock& clock_;
  std::atomic<bool> leader_{false};
  std::atomic<int64_t> renewedAtNs_{0};  // monotonic time of the last successful acquire/renew

  std::mutex mu_;          // guards the observation below (tryAcquireOrRenew/release)
  LeaseRecord observed_;   // the record as last read or written
  Json observedObject_;   // the Lease object behind observed_ (metadata.resourceVersion included)
  Clock::SteadyPoint observedAt_{};
  bool haveObserved_ = false;
};

}  // namespace aviary::kube
