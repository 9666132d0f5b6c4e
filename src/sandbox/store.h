#pragma once
// The sandbox's object store: every object as JSON, keyed by group-resource ("deployments.apps"),
// namespace and name, with Kubernetes' write semantics kept in one place:
//   - one cluster-wide resourceVersion counter, bumped by every write and stamped on the object;
//     a write whose object names an older resourceVersion fails with 409 Conflict;
//   - metadata.generation bumped only when something outside metadata and status changes;
//   - with a status subresource, main writes keep the stored status and status writes keep the rest;
//   - deleting an object with finalizers only sets deletionTimestamp; removing the last finalizer
//     then deletes it;
//   - a no-op write changes nothing (no new resourceVersion, no event).
// Every write is recorded in a bounded history that watches read from; a watch from a
// resourceVersion older than the history is told so (410 Gone).
//
// Errors: Error::code is NotFound (404), Conflict (409: stale resourceVersion or AlreadyExists),
// Invalid (422) or Unavailable (stopped); Error::path carries the Kubernetes Status reason
// ("NotFound", "AlreadyExists", "Conflict", "Invalid"). Thread-safe.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "sandbox/registry.h"

namespace aviary::sandbox {

using Json = nlohmann::json;

struct StoredEvent {
  uint64_t resourceVersion = 0;
  std::string type;           // ADDED, MODIFIED, DELETED
  std::string groupResource;  // "deployments.apps"
  std::string ns;
  Json object;                // the object after the write (for DELETED: as deleted, with the new resourceVersion)
  Json previous;              // the object before the write (null for ADDED): lets watches with selectors
                              // turn "stopped matching" into DELETED
};

// How a write treats .status when the type has a status subresource.
enum class WritePart { Main, Status };

class Store {
 public:
  Store(const Clock& clock, Random& random, size_t historyLimit = 1000);

  uint64_t resourceVersion() const;

  Result<Json> get(const ResourceType& type, const std::string& ns, const std::string& name) const;
  // Objects of a type, in namespace order then name order; ns "" = all namespaces. `rv` receives the
  // resourceVersion the list is consistent with.
  std::vector<Json> list(const ResourceType& type, const std::string& ns, uint64_t* rv) const;

  // Creates `object` (metadata.name, or generateName, must be set; namespaced types need an
  // existing namespace). Sets uid, creationTimestamp, resourceVersion and generation 1.
  Result<Json> create(const ResourceType& type, const std::string& ns, Json object);

  // Replaces an object by what `mutate` makes of the current one (PUT passes the body; PATCH applies
  // the patch). Atomic: nothing else writes between reading and storing. `mutate` returning an error
  // aborts the write with it.
  using Mutator = std::function<Result<Json>(const Json& current)>;
  Result<Json> update(const ResourceType& type, const std::string& ns, const std::string& name, WritePart part,
                      const Mutator& mutate);

  // Deletes, or marks for deletion while finalizers remain. Returns the object as last stored.
  Result<Json> remove(const ResourceType& type, const std::string& ns, const std::string& name);
  // Deletes every object of a group-resource (a CRD going away), or of a namespace when ns is set.
  void removeAll(const std::string& groupResource, const std::string& ns = {});

  // Events after `afterRv`, oldest first; nullopt when events after it have been dropped from the
  // history (the watch must relist: 410 Gone).
  std::optional<std::vector<StoredEvent>> eventsAfter(uint64_t afterRv) const;
  // Blocks until there are events after `afterRv`, `deadline` passes or stop() is called. Returns
  // false when stopped.
  bool waitAfter(uint64_t afterRv, std::chrono::steady_clock::time_point deadline) const;
  // Drops the history (as etcd's compaction does): older watches get 410 from now on.
  void compact();
  // Wakes every waiter for good.
  void stop();

  // Every object and the resourceVersion counter: {"resourceVersion": N, "objects":
  // [{"groupResource": …, "object": …}]} (the state file of `aviary sandbox --state`).
  Json snapshot() const;
  // Replaces the objects and the counter by a snapshot's (before serving; the history starts
  // empty, so watches from older versions get 410). Error (Invalid) naming what is malformed.
  Status restore(const Json& snapshot);

  // Called after each write with the event, outside the lock (the kubelet stand-in listens here).
  void setListener(std::function<void(const StoredEvent&)> listener);

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // group-resource, namespace, name
  uint64_t recordLocked(const std::string& type, const std::string& gr, const std::string& ns, Json object,
                        Json previous);
  void notify(const std::optional<StoredEvent>& event);
  // The stored object, or NotFound / Unavailable (stopped). Called with mu_ held.
  Result<std::map<Key, Json>::iterator> findLocked(const ResourceType& type, const std::string& ns,
                                                   const std::string& name);
  std::string nowString() const;
  std::string newUid();

  const Clock& clock_;
  Random& random_;
  size_t historyLimit_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<Key, Json> objects_;
  uint64_t rv_ = 1;
  uint64_t compactedRv_ = 1;  // events with resourceVersion <= this are gone
  std::deque<StoredEvent> history_;
  bool stopped_ = false;
  std::function<void(const StoredEvent&)> listener_;
  uint64_t generateCounter_ = 0;
};

// Kubernetes' time format ("2006-01-02T15:04:05Z").
std::string formatTime(Clock::TimePoint t);

}  // namespace aviary::sandbox
