#pragma once
// An in-memory Store (platform.h) with the API server's concurrency semantics: every write bumps
// a store-wide resourceVersion; a Canary's metadata.generation is bumped when its spec changes
// (not on status or finalizer writes); status and finalizer writes fail with Conflict on a stale
// resourceVersion; a delete of an object with finalizers only marks it (deletionTimestamp) until
// the last finalizer is removed. Used by `aviary simulate`, tests and benchmarks, and as the
// cache under the local platform's files.
//
// Thread-safe. Watchers are called after the change, on the writing thread, outside the lock.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "platform/platform.h"

namespace aviary::platform {

class MemoryStore : public Store {
 public:
  explicit MemoryStore(const Clock& clock) : clock_(clock) {}

  // --- writers (the user's side: files, tests) ---
  // Creates or replaces the canary's metadata and spec. The stored status, finalizers and
  // deletionTimestamp are kept (as `kubectl apply` keeps them); a new canary keeps the status it
  // carries (restoring persisted state). Returns the new resourceVersion.
  std::string applyCanary(api::Canary canary);
  // Deletes the canary, or marks its deletion while finalizers remain. NotFound when absent.
  Status deleteCanary(const std::string& ns, const std::string& name);
  std::string applyMetricTemplate(api::MetricTemplate tmpl);
  Status deleteMetricTemplate(const std::string& ns, const std::string& name);
  std::string applyAlertProvider(api::AlertProvider provider);
  Status deleteAlertProvider(const std::string& ns, const std::string& name);

  // --- Store ---
  std::shared_ptr<const api::Canary> getCanary(const std::string& ns, const std::string& name) const override;
  std::vector<std::shared_ptr<const api::Canary>> listCanaries() const override;
  std::shared_ptr<const api::MetricTemplate> getMetricTemplate(const std::string& ns,
                                                               const std::string& name) const override;
  std::vector<std::shared_ptr<const api::MetricTemplate>> listMetricTemplates() const override;
  std::shared_ptr<const api::AlertProvider> getAlertProvider(const std::string& ns,
                                                             const std::string& name) const override;
  void watch(Watcher watcher) override;
  Result<std::string> updateStatus(const std::string& ns, const std::string& name, const std::string& resourceVersion,
                                   const api::CanaryStatus& status) override;
  Result<std::string> setFinalizers(const std::string& ns, const std::string& name, const std::string& resourceVersion,
                                    std::vector<std::string> finalizers) override;
  Result<std::string> removeAnnotations(const std::string& ns, const std::string& name,
                                        const std::string& resourceVersion,
                                        const std::vector<std::string>& keys) override;

  // Test seam: the next `n` status writes fail with Conflict (as if another writer had won).
  void failStatusWritesForTest(int n);
  uint64_t statusWrites() const;

 private:
  using Key = std::pair<std::string, std::string>;  // namespace, name
  std::string nextVersion();                        // under mu_
  // Conflict/NotFound checks, then `edit` on a copy; false from `edit` deletes the canary.
  Result<std::string> editCanary(const std::string& ns, const std::string& name, const std::string& resourceVersion,
                                 const std::function<bool(api::Canary&)>& edit);
  void notify(const std::vector<Change>& changes);  // outside mu_

  const Clock& clock_;
  mutable std::mutex mu_;
  uint64_t version_ = 0;
  std::map<Key, std::shared_ptr<const api::Canary>> canaries_;
  std::map<Key, std::shared_ptr<const api::MetricTemplate>> templates_;
  std::map<Key, std::shared_ptr<const api::AlertProvider>> providers_;
  std::vector<Watcher> watchers_;
  int failStatusWrites_ = 0;
  uint64_t statusWrites_ = 0;
};

}  // namespace aviary::platform
