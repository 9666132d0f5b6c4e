#pragma once
// A Kubernetes API client: libcurl + nlohmann-json. Debian 12 packages no C++ Kubernetes client
// (kubernetes-client/c is not packaged and needs its own libwebsockets/libyaml build), so this
// covers what Aviary's controller needs, the way client-go does it.
//
// Contract:
// - Threading: a Client is thread-safe; each call makes its own request (own curl handle). Calls
//   block until the answer (or `timeout`). The rate limiter is shared by all calls of a Client.
// - Errors: every call returns Result; an API refusal is an Error whose `code` is NotFound (404),
//   Conflict (409: stale resourceVersion, or AlreadyExists), Invalid (400/422/415), Unavailable
//   (transport failure, 5xx, 429) or Timeout; `path` holds the Kubernetes Status reason
//   ("Conflict", "AlreadyExists", "Expired", …, or "HTTP <n>" when the server sent none) and
//   `message` the server's message. httpStatus(error) gives the HTTP status back.
// - Objects are nlohmann::json values exactly as the server sent them.
// - Watches: watch() runs one watch request and calls `onEvent` for every event in order, on the
//   calling thread; returning false from it ends the watch. Reflector (reflector.h) adds the
//   list-then-watch loop with reconnect and relist on 410.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/result.h"
#include "kube/config.h"
#include "kube/rate_limiter.h"

namespace aviary::kube {

using Json = nlohmann::json;

// Which resource: group "" is the core group ("/api/v1"), else "/apis/{group}/{version}".
struct Resource {
  std::string group;
  std::string version;
  std::string plural;
  bool namespaced = true;
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t limit = 0;              // page size, 0 = everything at once
  std::string continueToken;
  std::string resourceVersion;    // "" = most recent
};

enum class PatchType { Merge, StrategicMerge, Json };

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  Json object;       // the object, or for ERROR a Status
};

struct WatchOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;     // start after this version; "" = current objects first
  bool bookmarks = true;           // allowWatchBookmarks
  std::chrono::seconds timeout{300};  // timeoutSeconds sent to the server
  const std::atomic<bool>* stop = nullptr;  // set to true from another thread to end the watch (checked ~ every second)
};

struct ClientOptions {
  double qps = 5;   // -kube-api-qps: steady requests per second (client-go's default); <= 0 = unlimited
  int burst = 10;   // -kube-api-burst
  std::chrono::milliseconds timeout{30000};  // per request (watches use WatchOptions::timeout)
  std::string userAgent = "aviary";
  const Clock* clock = nullptr;              // the rate limiter's clock (default: the system clock)
  Sleeper sleep;                             // the rate limiter's sleep (default: this thread sleeps)
};

// Requests a Client has sent since it was made (every attempt, answered or not).
struct RequestCounts {
  uint64_t reads = 0;    // GET of one object or a list page
  uint64_t writes = 0;   // POST, PUT, PATCH, DELETE
  uint64_t watches = 0;  // watch requests (each long-running stream counts once)
};

// The HTTP status behind an Error from a Client (0 for a transport failure).
int httpStatus(const Error& e);

class Client {
 public:
  Client(ClusterConfig config, ClientOptions options = {});
  ~Client();
  const ClusterConfig& config() const { return config_; }

  Result<Json> get(const Resource& r, const std::string& ns, const std::string& name);
  // One page; follow `metadata.continue` with ListOptions::continueToken.
  Result<Json> list(const Resource& r, const std::string& ns, const ListOptions& options = {});
  // Every page (limit = page size), as one List whose metadata.resourceVersion is the first page's.
  Result<Json> listAll(const Resource& r, const std::string& ns, ListOptions options = {});
  Result<Json> create(const Resource& r, const std::string& ns, const Json& object);
  // PUT of the whole object (name from object.metadata.name); 409 when its resourceVersion is stale.
  Result<Json> update(const Resource& r, const std::string& ns, const Json& object);
  // PUT to the status subresource: only .status is taken.
  Result<Json> updateStatus(const Resource& r, const std::string& ns, const Json& object);
  Result<Json> patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                     const Json& patch, bool status = false);
  // DELETE; the answer is the object as deleted (or marked for deletion while finalizers remain).
  Result<Json> remove(const Resource& r, const std::string& ns, const std::string& name);

  // Get, mutate, update; on 409 get and mutate again, up to `attempts` times (client-go's
  // RetryOnConflict). `mutate` edits the object in place; returning an error aborts.
  Result<Json> updateWithRetry(const Resource& r, const std::string& ns, const std::string& name,
                               const std::function<Status(Json&)>& mutate, int attempts = 5, bool status = false);

  // One watch request: calls onEvent for each event until the server ends the stream, onEvent
  // returns false, options.stop is set, or a transport error. An ERROR event is delivered to
  // onEvent like any other (a 410 there means: relist). Returns ok when the stream ended normally.
  Status watch(const Resource& r, const std::string& ns, const WatchOptions& options,
               const std::function<bool(const WatchEvent&)>& onEvent);

  RequestCounts requests() const {
    return {reads_.load(), writes_.load(), watchCount_.load()};
  }

  // The URL of a resource path ("/apis/apps/v1/namespaces/x/deployments/y").
  std::string url(const Resource& r, const std::string& ns, const std::string& name = {},
                  const std::string& subresource = {}) const;

 private:
  struct Call;
  Result<Json> request(const std::string& method, const std::string& url, const std::string& contentType,
                       const std::string& body);

  ClusterConfig config_;
  ClientOptions options_;
  std::unique_ptr<SystemClock> ownClock_;
  std::unique_ptr<RateLimiter> limiter_;
  std::atomic<uint64_t> reads_{0}, writes_{0}, watchCount_{0};
};

}  // namespace aviary::kube
