#include "platform/kubernetes/kube_platform.h"

#include <random>

#include <fmt/format.h>

#include "common/log.h"
#include "platform/kubernetes/kube_secrets.h"
#include "platform/kubernetes/kubernetes_router.h"
#include "platform/kubernetes/primary_spec.h"
#include "platform/kubernetes/resources.h"
#include "platform/kubernetes/service_target.h"
#include "platform/kubernetes/workload_target.h"
#include "router/nop_router.h"

namespace aviary::platform::kubernetes {

using kube::Json;

KubePlatform::KubePlatform(kube::Client& client, KubePlatformOptions options)
    : client_(client),
      options_(std::move(options)),
      deployments_(client, kDeployments, options_.ns),
      daemonSets_(client, kDaemonSets, options_.ns),
      services_(client, kServices, options_.ns),
      hpas_(client, kHpas, options_.ns),
      configMaps_(client, kConfigMaps, options_.ns),
      secretsCache_(client, kSecrets, options_.ns),
      store_(client, options_.ns),
      events_(client, store_, *options_.clock, options_.printEvent),
      secrets_(std::make_shared<KubeSecretSource>(secretsCache_)),
      serviceWriter_(client, services_),
      seed_(options_.seed ? *options_.seed : std::random_device{}()) {
  ctx_.client = &client_;
  ctx_.deployments = &deployments_;
  ctx_.daemonSets = &daemonSets_;
  ctx_.services = &services_;
  ctx_.hpas = &hpas_;
  ctx_.configMaps = &configMaps_;
  ctx_.secrets = &secretsCache_;
  ctx_.selectorLabels = options_.selectorLabels;
  ctx_.includeLabelPrefix = options_.includeLabelPrefix;
  ctx_.configTracking = options_.configTracking;
  ctx_.clock = options_.clock;
}

Result<std::unique_ptr<KubePlatform>> KubePlatform::start(kube::Client& client, KubePlatformOptions options) {
  if (!options.clock) return makeError(ErrorCode::Internal, "KubePlatform: a clock is required");
  std::unique_ptr<KubePlatform> p(new KubePlatform(client, std::move(options)));
  // Flagger checks that the three CRDs are listable before anything else (fatal otherwise).
  for (const auto* r : {&kCanaries, &kMetricTemplates, &kAlertProviders}) {
    kube::ListOptions lo;
    lo.limit = 1;
    auto l = client.list(*r, p->options_.ns, lo);
    if (!l) {
      return makeError(l.error().code, fmt::format("cannot list {}.{} (are Flagger's CRDs installed?): {}", r->plural,
                                                   r->group, l.error().message));
    }
  }
  for (auto* c : {&p->deployments_, &p->daemonSets_, &p->services_, &p->hpas_, &p->configMaps_, &p->secretsCache_})
    c->start();
  for (auto* c : {&p->deployments_, &p->daemonSets_, &p->services_, &p->hpas_, &p->configMaps_, &p->secretsCache_}) {
    if (!c->waitSynced(p->options_.syncTimeout)) {
      return makeError(ErrorCode::Timeout, fmt::format("the {} cache did not sync within {} ms", c->resource().plural,
                                                       p->options_.syncTimeout.count()));
    }
  }
  // The workload caches first: a canary synced by the runtime finds its target in memory.
  p->store_.start();
  if (!p->store_.waitSynced(p->options_.syncTimeout)) {
    return makeError(ErrorCode::Timeout, "the flagger.app caches did not sync in time");
  }
  return p;
}

KubePlatform::~KubePlatform() {
  stop();
}

void KubePlatform::requestStop() {
  for (auto* c : {&deployments_, &daemonSets_, &services_, &hpas_, &configMaps_, &secretsCache_}) c->requestStop();
  store_.requestStop();
}

void KubePlatform::stop() {
  // Every watch is asked to end first, so that they end together rather than one after another.
  for (auto* c : {&deployments_, &daemonSets_, &services_, &hpas_, &configMaps_, &secretsCache_}) c->requestStop();
  store_.stop();
  for (auto* c : {&deployments_, &daemonSets_, &services_, &hpas_, &configMaps_, &secretsCache_}) c->stop();
}

Result<std::unique_ptr<controller::Target>> KubePlatform::makeTarget(const api::Canary& canary) {
  const std::string& kind = canary.spec.targetRef.kind;
  if (kind == "Service") return std::unique_ptr<controller::Target>(std::make_unique<ServiceTarget>(ctx_));
  if (kind == "DaemonSet") {
    return std::unique_ptr<controller::Target>(
        std::make_unique<WorkloadTarget>(ctx_, WorkloadKind::DaemonSet, seed_++));
  }
  if (kind != "Deployment") {
    spdlog::warn("Unknown target kind {} for canary {}.{}, handled as a Deployment", kind, canary.metadata.name,
                 canary.metadata.namespace_);
  }
  return std::unique_ptr<controller::Target>(std::make_unique<WorkloadTarget>(ctx_, WorkloadKind::Deployment, seed_++));
}

Result<std::unique_ptr<router::Router>> KubePlatform::makeRouter(const api::Canary& canary,
                                                                 const std::string& provider) {
  std::unique_ptr<router::Router> mesh;
  if (provider == "kubernetes") {
    mesh = std::make_unique<router::NopRouter>();
  } else if (options_.meshRouter) {
    auto r = options_.meshRouter(canary, provider);
    if (!r) return r.error();
    mesh = std::move(*r);
  }
  if (!mesh) {
    return makeError(ErrorCode::Invalid,
                     fmt::format("mesh provider \"{}\" is not available in this build of aviary controller; set "
                                 "spec.provider (or -mesh-provider) to kubernetes",
                                 provider));
  }
  // A Service target's copies are made by the target; Flagger's Kubernetes router is a no-op
  // for it (§2.6): the mesh router routes between `<apex>-primary` and `<apex>-canary` alone.
  if (canary.spec.targetRef.kind == "Service") return mesh;
  const KubeContext* ctx = &ctx_;
  auto metadata = [ctx](const api::Canary& c) -> Result<TargetMetadata> {
    const bool ds = c.spec.targetRef.kind == "DaemonSet";
    auto d = (ds ? ctx->daemonSets : ctx->deployments)->get(c.metadata.namespace_, c.spec.targetRef.name);
    if (!d) {
      return makeError(ErrorCode::NotFound,
                       fmt::format("{} {}.{} get query error: not found", ds ? "daemonset" : "deployment",
                                   c.spec.targetRef.name, c.metadata.namespace_));
    }
    return targetMetadata(c, *d, ctx->selectorLabels, ds ? WorkloadKind::DaemonSet : WorkloadKind::Deployment);
  };
  return std::unique_ptr<router::Router>(std::make_unique<KubernetesRouter>(serviceWriter_, metadata, std::move(mesh)));
}

void KubePlatform::forget(const api::Canary& c) {
  const std::string& ns = c.metadata.namespace_;
  auto drop = [&](ObjectCache& cache, const std::string& name) {
    auto o = cache.get(ns, name);
    if (!o || !ownedByCanary(*o, c.metadata.name, c.metadata.uid)) return;  // not ours: left alone
    auto r = client_.remove(cache.resource(), ns, name);
    if (!r && r.error().code != ErrorCode::NotFound) {
      spdlog::warn("deleting {} {}.{} of canary {}: {}", cache.resource().plural, name, ns, c.key(), r.error().message);
      return;
    }
    cache.erase(ns, name);
  };
  drop(c.spec.targetRef.kind == "DaemonSet" ? daemonSets_ : deployments_, c.spec.targetRef.name + "-primary");
  for (const auto& s : {c.serviceName(), c.serviceName() + "-primary", c.serviceName() + "-canary"}) drop(services_, s);
  if (c.spec.autoscalerRef && c.spec.autoscalerRef->kind == "ScaledObject") {
    // No cache for ScaledObjects (keda_scaler.cpp): read, then delete if ours.
    const std::string name = c.spec.autoscalerRef->name + "-primary";
    auto o = client_.get(kScaledObjects, ns, name);
    if (o && ownedByCanary(*o, c.metadata.name, c.metadata.uid)) {
      auto r = client_.remove(kScaledObjects, ns, name);
      if (!r && r.error().code != ErrorCode::NotFound)
        spdlog::warn("deleting scaledobjects {}.{} of canary {}: {}", name, ns, c.key(), r.error().message);
    }
  } else if (c.spec.autoscalerRef) {
    drop(hpas_, c.spec.autoscalerRef->name + "-primary");
  }
  for (auto* cache : {&configMaps_, &secretsCache_}) {
    for (const auto& o : cache->list()) {
      const auto& m = (*o)["metadata"];
      if (m.value("namespace", "") == ns) drop(*cache, m.value("name", ""));
    }
  }
}

}  // namespace aviary::platform::kubernetes
