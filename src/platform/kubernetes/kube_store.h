#pragma once
// The Kubernetes platform's Store (platform.h): Canaries, MetricTemplates and AlertProviders
// (flagger.app/v1beta1) from watch-backed caches (object_cache.h), all namespaces or one.
// Reads are memory only. updateStatus PUTs the status subresource with the caller's
// resourceVersion (409 → Conflict, which the runtime retries after re-reading) and writes the
// answer through into the cache; setFinalizers PUTs the whole Canary the same way.
//
// An object the cache holds but that does not decode (a Canary Flagger's CRD schema accepted
// but Aviary cannot read) is logged once per resourceVersion with every problem; the store keeps
// answering its last readable version (absent if it never had one), as Flagger keeps scheduling
// the last valid spec of a canary whose update is invalid — dropping it would read as a deletion
// and collect the canary's primary and Services.
//
// Thread-safe. Watchers run on the caches' threads (or a writer's, for write-through).
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "platform/kubernetes/object_cache.h"
#include "platform/platform.h"

namespace aviary::platform::kubernetes {

class KubeStore final : public Store {
 public:
  // `ns` "" = all namespaces. Call start() to begin watching.
  KubeStore(kube::Client& client, std::string ns);
  ~KubeStore() override;

  void start();
  void requestStop();  // asks the watches to end, without waiting
  void stop();
  bool waitSynced(std::chrono::milliseconds timeout);

  // The raw object of a Canary as last seen (for the event sink's involvedObject).
  JsonPtr rawCanary(const std::string& ns, const std::string& name) const;

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

 private:
  using Key = std::string;  // "ns/name"
  void onObject(Kind kind, ObjectCache::Event event, const JsonPtr& object);
  void notify(const Change& change);
  bool eraseLocked(Kind kind, const Key& key);  // under mu_
  Result<std::string> write(const std::string& ns, const std::string& name, const std::string& resourceVersion,
                            const std::function<void(Json&)>& edit, bool status);

  kube::Client& client_;
  ObjectCache canaries_, templates_, providers_;
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<const api::Canary>> canaryObjs_;
  std::map<Key, std::shared_ptr<const api::MetricTemplate>> templateObjs_;
  std::map<Key, std::shared_ptr<const api::AlertProvider>> providerObjs_;
  std::map<Key, std::string> reported_;  // "kind/ns/name" → resourceVersion whose decode errors were logged
  std::vector<Watcher> watchers_;
};

}  // namespace aviary::platform::kubernetes
