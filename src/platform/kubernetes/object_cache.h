#pragma once
// A watch-backed cache of one Kubernetes resource (client-go's informer store): a Reflector
// (kube/reflector.h) on its own thread lists and watches the resource (all namespaces, or one),
// and reads are served from memory. The platform's ticks read these caches, so that a tick in
// steady state makes no request to the API server.
//
// Write-through: after a successful write the caller hands the object the server answered to
// put(), and a deletion to erase(), so that the next read sees it before the watch event
// arrives. An event never replaces a newer object: resourceVersions are compared as integers
// when both are (the API server's are etcd revisions; Kubernetes calls them opaque, so a
// non-integer version always wins).
//
// Thread-safe. The handler runs on the reflector's thread (or the writer's thread for put/erase),
// outside the cache's lock, and must not block.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "kube/reflector.h"

namespace aviary::platform::kubernetes {

using kube::Json;
using JsonPtr = std::shared_ptr<const Json>;

// Whether resourceVersion `candidate` is older than `current`: compared as integers when both
// are; anything else is "not older" (the newest write wins).
bool olderResourceVersion(const std::string& candidate, const std::string& current);

class ObjectCache {
 public:
  enum class Event { Upsert, Delete };
  // Called for every object that changed (its new value; for Delete the last known value).
  using Handler = std::function<void(Event, const JsonPtr&)>;

  // `ns` "" = all namespaces. Not started until start().
  ObjectCache(kube::Client& client, kube::Resource resource, std::string ns, Handler handler = {});
  ~ObjectCache();
  ObjectCache(const ObjectCache&) = delete;
  ObjectCache& operator=(const ObjectCache&) = delete;

  void start();
  // Asks the reflector to end (it notices within about a second); stop() also joins it.
  void requestStop() { stop_ = true; }
  void stop();
  // Waits until the first list has been applied; false on timeout.
  bool waitSynced(std::chrono::milliseconds timeout);

  JsonPtr get(const std::string& ns, const std::string& name) const;
  std::vector<JsonPtr> list() const;
  size_t size() const;

  // Write-through of a successful write (the object as the server answered).
  void put(const Json& object);
  void erase(const std::string& ns, const std::string& name);

  const kube::Resource& resource() const { return resource_; }
  int lists() const { return reflector_ ? reflector_->lists() : 0; }

 private:
  static std::string keyOf(const Json& object);
  // Applies an upsert unless the cached object is newer; returns whether it changed the cache.
  bool upsert(const Json& object, JsonPtr* stored);

  kube::Client& client_;
  kube::Resource resource_;
  std::string ns_;
  Handler handler_;
  mutable std::mutex mu_;
  std::condition_variable syncedCv_;
  bool synced_ = false;
  std::map<std::string, JsonPtr> objects_;  // "ns/name"
  std::unique_ptr<kube::Reflector> reflector_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace aviary::platform::kubernetes
