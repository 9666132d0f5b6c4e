#include "simulate/kube_backend.h"

#include <thread>

#include <fmt/format.h>

#include "api/encode.h"
#include "kube/client.h"
#include "platform/kubernetes/kube_platform.h"
#include "platform/kubernetes/resources.h"
#include "router/istio/istio_objects.h"
#include "router/istio/istio_router.h"
#include "sandbox/api_server.h"
#include "simulate/kube_objects.h"

namespace aviary::simulate {
namespace {

using kube::Json;
using platform::kubernetes::KubePlatform;
namespace ko = kube_objects;

constexpr std::chrono::seconds kSettleTimeout{10};
const kube::Resource kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
const kube::Resource kNamespaces{"", "v1", "namespaces", false};

// An error about an object of the scenario, at the object's position.
Error at(const SourcePos& pos, ErrorCode code, std::string message) {
  Error e = makeError(code, std::move(message));
  e.pos = pos;
  return e;
}

class KubeBackend final : public Backend {
 public:
  KubeBackend(const Scenario& sc, ManualClock& clock, Random& random)
      : sc_(sc), clock_(clock), random_(random), canary_(sc.canary) {}

  ~KubeBackend() override {
    // The watches end with the server; asked to stop first, the reflectors then do not reconnect.
    router_.reset();
    target_.reset();
    if (platform_) platform_->requestStop();
    if (server_) server_->stop();
    if (platform_) platform_->stop();
  }

  Status start() {
    sandbox::ApiServerOptions so;
    so.watchHistory = 100000;  // a simulation never compacts: no relists mid-run
    auto server = sandbox::ApiServer::start(so, clock_, uids_);
    if (!server) return server.error();
    server_ = std::move(*server);
    kube::ClusterConfig cfg;
    cfg.server = server_->url();
    kube::ClientOptions co;
    co.qps = 0;  // unlimited: a rate limiter would sleep in real time
    co.timeout = std::chrono::milliseconds(10000);
    co.userAgent = "aviary-simulate";
    client_ = std::make_unique<kube::Client>(cfg, co);

    auto crds = ko::builtinCrds();
    if (!crds) return crds.error();
    for (const auto& crd : *crds) {
      if (auto r = client_->create(kCrds, "", crd); !r) return r.error();
    }
    // Namespaces first (given or implied), the Canary last: its uid goes into the owner
    // references of everything the platform creates.
    const Json* canaryObject = nullptr;
    for (const auto& o : sc_.objects) {
      if (o.object.value("kind", "") == "Namespace") {
        if (auto st = apply(o); !st.ok()) return st;
      }
    }
    for (const auto& o : sc_.objects) {
      const std::string kind = o.object.value("kind", "");
      if (kind == "Canary") {
        canaryObject = &o.object;
      } else if (kind != "Namespace") {
        if (auto st = apply(o); !st.ok()) return st;
      }
    }
    if (!canaryObject) return makeError(ErrorCode::Internal, "no Canary among the objects");
    if (auto st = ensureNamespace(canary_.metadata.namespace_); !st.ok()) return st;
    Json c = *canaryObject;
    c["metadata"]["namespace"] = canary_.metadata.namespace_;
    auto created = client_->create(platform::kubernetes::kCanaries, canary_.metadata.namespace_, c);
    if (!created) return created.error();
    canary_.metadata.uid = (*created)["metadata"].value("uid", "");

    platform::kubernetes::KubePlatformOptions po;
    po.clock = &clock_;
    po.seed = 1;
    po.syncTimeout = std::chrono::duration_cast<std::chrono::milliseconds>(kSettleTimeout);
    kube::Client* client = client_.get();
    Random* random = &random_;
    po.meshRouter = [client, random](const api::Canary& canary,
                                     const std::string& provider) -> Result<std::unique_ptr<router::Router>> {
      if (provider != "istio") return std::unique_ptr<router::Router>();
      if (auto st = router::istio::checkCanary(canary); !st.ok()) return st.error();
      // The run's seeded random source: session-affinity cookies are the same at every run.
      router::istio::IstioRouterOptions io;
      io.random = random;
      return std::unique_ptr<router::Router>(std::make_unique<router::istio::IstioRouter>(*client, io));
    };
    auto p = KubePlatform::start(*client_, po);
    if (!p) return p.error();
    platform_ = std::move(*p);
    auto t = platform_->makeTarget(canary_);
    if (!t) return t.error();
    target_ = std::move(*t);
    auto r = platform_->makeRouter(canary_, provider());
    if (!r) return r.error();
    router_ = std::move(*r);
    return settle();
  }

  const api::Canary& canary() const override { return canary_; }
  controller::Target& target() override { return *target_; }
  router::Router& router() override { return *router_; }

  Status step(const Step& step) override {
    if (const auto* a = std::get_if<ApplyStep>(&step.body)) {
      for (const auto& o : a->objects) {
        if (auto st = apply(o); !st.ok()) return st;
      }
      return okStatus();
    }
    if (const auto* r = std::get_if<ReadyStep>(&step.body)) {
      for (const auto& [name, ready] : r->objects) server_->holdUnready(canary_.metadata.namespace_, name, !ready);
      return okStatus();
    }
    return makeError(ErrorCode::Internal, fmt::format("step \"{}\" is not one of the Kubernetes backend's", step.key));
  }

  // Polls: the caches offer no notification of "caught up", and the wait is milliseconds.
  Status settle() override {
    const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
    while (!(server_->kubeletIdle() && cachesCaughtUp())) {
      if (std::chrono::steady_clock::now() > deadline) {
        return makeError(ErrorCode::Timeout, fmt::format("the platform's watch caches did not catch up with the "
                                                         "sandbox API server within {} s",
                                                         kSettleTimeout.count()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return okStatus();
  }

  void ticking(bool on) override { server_->pauseKubelet(on); }

  Status publishStatus(const api::CanaryStatus& status) override {
    const std::string& ns = canary_.metadata.namespace_;
    auto current = client_->get(platform::kubernetes::kCanaries, ns, canary_.metadata.name);
    if (!current) return current.error();
    api::Canary tmp;
    tmp.status = status;
    Json encoded = api::encode(tmp);
    (*current)["status"] = encoded.contains("status") ? encoded["status"] : Json::object();
    if (auto r = client_->updateStatus(platform::kubernetes::kCanaries, ns, *current); !r) return r.error();
    return okStatus();
  }

  Result<std::map<std::string, int32_t>> routes(const api::CanaryStatus&) override {
    const auto names = router::istio::serviceNames(canary_);
    const std::string& ns = canary_.metadata.namespace_;
    if (provider() == "istio") {
      auto vs = client_->get(router::istio::kVirtualServices, ns, names.apex);
      if (!vs) return vs.error();
      return ko::routesOfVirtualService(*vs, names.primary, names.canary);
    }
    Json svc[3];
    const std::string which[3] = {names.apex, names.primary, names.canary};
    for (int k = 0; k < 3; ++k) {
      auto s = client_->get(platform::kubernetes::kServices, ns, which[k]);
      if (!s) return s.error();
      svc[k] = std::move(*s);
    }
    return ko::routesOfServices(svc[0], svc[1], svc[2]);
  }

  Result<nlohmann::json> object(const std::string& ref) override {
    const std::string kind = ref.substr(0, ref.find('/')), name = ref.substr(ref.find('/') + 1);
    auto type = ko::typeOfKind(server_->registry(), kind);
    if (!type) return makeError(ErrorCode::NotFound, fmt::format("dump {}: the sandbox serves no kind {}", ref, kind));
    auto o = client_->get(ko::resourceOf(*type), type->namespaced ? canary_.metadata.namespace_ : "", name);
    if (!o) return makeError(o.error().code, fmt::format("dump {}: {}", ref, o.error().message));
    // What changes from run to run (the order of the kubelet's and the platform's writes sets the
    // resourceVersions) is left out, so that a dump can be a golden.
    (*o)["metadata"].erase("resourceVersion");
    (*o)["metadata"].erase("managedFields");
    return *o;
  }

 private:
  std::string provider() const { return canary_.spec.provider.empty() ? "istio" : canary_.spec.provider; }

  Status ensureNamespace(const std::string& ns) {
    if (ns.empty() || client_->get(kNamespaces, "", ns)) return okStatus();
    auto r = client_->create(kNamespaces, "",
                             Json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    if (!r && r.error().code != ErrorCode::Conflict) return r.error();
    return okStatus();
  }

  // Creates the object, or patches the existing one with the fields given (kubectl apply's
  // effect for them): strategic merge for built-in kinds, whose lists of containers, ports…
  // merge by key; JSON merge for custom resources, as the API server allows.
  Status apply(const KubeObject& o) {
    const std::string apiVersion = o.object.value("apiVersion", ""), kind = o.object.value("kind", "");
    auto type = ko::typeOf(server_->registry(), apiVersion, kind);
    if (!type) {
      return at(
          o.pos, ErrorCode::Invalid,
          fmt::format("{} {}: the sandbox API server serves no {} {} (built-in kinds, Flagger's and Istio's CRDs)",
                      apiVersion, kind, apiVersion, kind));
    }
    Json obj = o.object;
    std::string ns;
    if (type->namespaced) {
      ns = obj["metadata"].value("namespace", canary_.metadata.namespace_);
      obj["metadata"]["namespace"] = ns;
      if (auto st = ensureNamespace(ns); !st.ok()) return st;
    }
    const auto resource = ko::resourceOf(*type);
    const std::string name = obj["metadata"].value("name", "");
    Result<Json> r = makeError(ErrorCode::Internal, "");
    if (client_->get(resource, ns, name)) {
      r = client_->patch(resource, ns, name,
                         type->crdName.empty() ? kube::PatchType::StrategicMerge : kube::PatchType::Merge, obj);
    } else {
      r = client_->create(resource, ns, obj);
    }
    if (!r) return at(o.pos, r.error().code, fmt::format("{} {}: {}", kind, name, r.error().message));
    return okStatus();
  }

  // Every watch cache of the platform holds what the server holds (same objects, same versions).
  bool cachesCaughtUp() {
    const auto& ctx = platform_->context();
    for (auto* cache : {ctx.deployments, ctx.daemonSets, ctx.services, ctx.hpas, ctx.configMaps, ctx.secrets}) {
      const auto& r = cache->resource();
      auto type = server_->registry().find(r.group, r.version, r.plural);
      if (!type) continue;
      uint64_t rv = 0;
      std::map<std::string, std::string> want, have;
      auto key = [](const Json& o) {
        const Json& m = o["metadata"];
        return m.value("namespace", "") + "/" + m.value("name", "");
      };
      for (const auto& o : server_->store().list(*type, "", &rv))
        want[key(o)] = o["metadata"].value("resourceVersion", "");
      for (const auto& o : cache->list()) have[key(*o)] = (*o)["metadata"].value("resourceVersion", "");
      if (want != have) return false;
    }
    return true;
  }

  const Scenario& sc_;
  ManualClock& clock_;
  Random& random_;
  SeededRandom uids_{7};  // the sandbox's uids: the same at every run
  api::Canary canary_;
  // Destroyed in reverse: the router and target before the platform, the platform before the
  // client, the client before the server (the destructor orders the stops).
  std::unique_ptr<sandbox::ApiServer> server_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<KubePlatform> platform_;
  std::unique_ptr<controller::Target> target_;
  std::unique_ptr<router::Router> router_;
};

}  // namespace

Result<std::unique_ptr<Backend>> makeKubeBackend(const Scenario& scenario, ManualClock& clock, Random& random) {
  auto b = std::make_unique<KubeBackend>(scenario, clock, random);
  if (auto st = b->start(); !st.ok()) return st.error();
  return std::unique_ptr<Backend>(std::move(b));
}

}  // namespace aviary::simulate
