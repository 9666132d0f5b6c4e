#pragma once
// The Kubernetes platform (platform.h) behind `aviary controller`: the Store of Canaries,
// MetricTemplates and AlertProviders (kube_store.h), Events on the Canaries (kube_events.h),
// Secrets for metric/alert credentials (kube_secrets.h), Deployment targets
// (workload_target.h) and, per canary, the Kubernetes router (apex Service) in front of the
// mesh router (kubernetes_router.h). Every object a tick reads comes from watch-backed caches
// of Deployments, DaemonSets, Services, HPAs, ConfigMaps and Secrets (all namespaces, or
// -namespace), so a steady-state tick sends no request — except for a Canary whose autoscalerRef
// is a KEDA ScaledObject: those are read by GET (keda_scaler.cpp; KEDA's CRD is optional).
//
// Garbage collection: everything created for a canary carries a controller owner reference to
// it, as Flagger's objects do, so a cluster's garbage collector removes them with the Canary.
// forget() also deletes them explicitly (only those whose owner reference names this canary's
// uid), so that API servers without a garbage collector (the sandbox) end in the same state.
//
// Targets: Deployment, DaemonSet (and, as Flagger, any unknown kind treated as a Deployment), and
// Service (service_target.h: `-canary`/`-primary` copies of the user's Service, routed by the
// mesh router alone).
//
// Thread-safe; start() before handing it to the runtime.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "platform/kubernetes/kube_context.h"
#include "platform/kubernetes/kube_events.h"
#include "platform/kubernetes/kube_store.h"
#include "platform/kubernetes/services.h"
#include "platform/platform.h"

namespace aviary::platform::kubernetes {

// Builds the mesh router of `provider` for a canary (e.g. the Istio router, wired by the cli).
// nullptr from the factory, or no factory: only the `kubernetes` provider is available.
using MeshRouterFactory =
    std::function<Result<std::unique_ptr<router::Router>>(const api::Canary& canary, const std::string& provider)>;

struct KubePlatformOptions {
  std::string ns;  // -namespace: "" = all namespaces
  std::vector<std::string> selectorLabels{"app", "name", "app.kubernetes.io/name"};
  std::vector<std::string> includeLabelPrefix{""};
  bool configTracking = true;
  const Clock* clock = nullptr;  // required
  MeshRouterFactory meshRouter;
  std::function<void(const api::Canary&, const controller::Event&)> printEvent;
  std::chrono::milliseconds syncTimeout{60000};  // for the caches' first lists
  // Seeds the targets' random sources (the primary's flagger-id annotation); unset = at random.
  // `aviary simulate` sets it so that a scenario's objects are the same at every run.
  std::optional<uint64_t> seed;
};

class KubePlatform final : public Platform {
 public:
  // Starts the caches and waits for their first lists (Unavailable on timeout, e.g. when the
  // flagger.app CRDs are not installed).
  static Result<std::unique_ptr<KubePlatform>> start(kube::Client& client, KubePlatformOptions options);
  ~KubePlatform() override;
  // Asks every watch to end without waiting (stop() waits); lets a caller that also stops the
  // API server end the watches together.
  void requestStop();
  void stop();

  KubeStore& kubeStore() { return store_; }
  KubeEventSink& eventSink() { return events_; }
  const KubeContext& context() const { return ctx_; }

  Store& store() override { return store_; }
  controller::EventSink& events() override { return events_; }
  metrics::SecretSourcePtr secrets() override { return secrets_; }
  Result<std::unique_ptr<controller::Target>> makeTarget(const api::Canary& canary) override;
  Result<std::unique_ptr<router::Router>> makeRouter(const api::Canary& canary, const std::string& provider) override;
  void forget(const api::Canary& canary) override;

 private:
  KubePlatform(kube::Client& client, KubePlatformOptions options);

  kube::Client& client_;
  KubePlatformOptions options_;
  ObjectCache deployments_, daemonSets_, services_, hpas_, configMaps_, secretsCache_;
  KubeContext ctx_;
  KubeStore store_;
  KubeEventSink events_;
  metrics::SecretSourcePtr secrets_;
  Services serviceWriter_;
  std::atomic<uint64_t> seed_{0};
};

}  // namespace aviary::platform::kubernetes
