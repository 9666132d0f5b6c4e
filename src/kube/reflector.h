#pragma once
// List-then-watch, as client-go's Reflector: lists a resource (all pages), hands the items to
// onSync, then watches from the list's resourceVersion, delivering events to onEvent. When the
// watch ends (server timeout, dropped connection) it watches again from the last resourceVersion
// seen (BOOKMARKs included); when the server answers 410 (Expired / Gone: the version was
// compacted) it lists again and calls onSync with the fresh items. Transport failures back off
// (backoff, doubling up to maxBackoff) and retry.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "kube/client.h"

namespace aviary::kube {

struct ReflectorOptions {
  std::string labelSelector;
  std::string fieldSelector;
  int64_t pageSize = 500;
  std::chrono::seconds watchTimeout{300};
  std::chrono::milliseconds backoff{200};
  std::chrono::milliseconds maxBackoff{10000};
  Sleeper sleep;  // default: this thread sleeps
};

struct ReflectorHandlers {
  std::function<void(const std::vector<Json>& items, const std::string& resourceVersion)> onSync;
  std::function<void(const WatchEvent& event)> onEvent;  // ADDED, MODIFIED, DELETED (no BOOKMARK, no ERROR)
  std::function<void(const Error& error)> onError;       // optional: each failure before its retry
};

class Reflector {
 public:
  Reflector(Client& client, Resource resource, std::string ns, ReflectorOptions options, ReflectorHandlers handlers);
  // Runs on the calling thread until `stop` is true (checked about every second while idle).
  void run(const std::atomic<bool>& stop);
  // Counters for tests and status pages.
  int lists() const { return lists_; }
  int watches() const { return watches_; }
  std::string lastResourceVersion() const { return rv_; }

 private:
  bool list();

  Client& client_;
  Resource resource_;
  std::string ns_;
  ReflectorOptions options_;
  ReflectorHandlers handlers_;
  std::string rv_;
  std::atomic<int> lists_{0};
  std::atomic<int> watches_{0};
};

}  // namespace aviary::kube
