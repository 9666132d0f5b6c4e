#include "platform/local/local_platform.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/decode.h"
#include "api/encode.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "controller/gofmt.h"
#include "platform/local/local_router.h"
#include "platform/local/local_target.h"
#include "platform/local/workload_spec.h"

namespace aviary::platform::local {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string nsOf(const std::string& ns) { return ns.empty() ? "default" : ns; }
std::string fileKey(const std::string& ns, const std::string& name) { return nsOf(ns) + "_" + name; }

// The router of one canary: the mesh's LocalRouter, which first retires the plain service the
// target workload had before the canary took it over (so that the apex is the canary's).
class CanaryRouter final : public router::Router {
 public:
  CanaryRouter(Mesh& mesh, Random& random) : inner_(mesh, random), mesh_(mesh) {}
  Status reconcile(const api::Canary& canary) override {
    const std::string ns = nsOf(canary.metadata.namespace_);
    for (const auto& s : mesh_.services()) {
      // A plain service of the target's name (endpoints = itself): the apex replaces it.
      if (s.namespace_ == ns && s.name == canary.serviceName() && s.endpoints == canary.spec.targetRef.name) {
        if (auto st = mesh_.removeServices(ns, s.name); !st) return st;
      }
    }
    return inner_.reconcile(canary);
  }
  Status setRoutes(const api::Canary& c, api::CanaryStatus& s, router::Weights w, router::Mirror m) override {
    return inner_.setRoutes(c, s, w, m);
  }
  Result<router::Routes> getRoutes(const api::Canary& c, const api::CanaryStatus& s) override {
    return inner_.getRoutes(c, s);
  }
  Status finalize(const api::Canary& c) override { return inner_.finalize(c); }

 private:
  LocalRouter inner_;
  Mesh& mesh_;
};

}  // namespace

// Appends every event to <state>/events/NS_NAME.jsonl (one JSON object per line), so that
// `aviary status` shows a canary's history across restarts.
class LocalPlatform::Journal final : public controller::EventSink {
 public:
  explicit Journal(std::string dir) : dir_(std::move(dir)) {}
  void record(const api::Canary& canary, const controller::Event& e) override {
    const json line{{"type", controller::toString(e.type)},
                    {"message", e.message},
                    {"phase", api::toString(e.phase)},
                    {"time", controller::rfc3339(e.time)},
                    {"unixMillis", std::chrono::duration_cast<std::chrono::milliseconds>(e.time.time_since_epoch()).count()}};
    {
      std::lock_guard lock(mu_);
      std::ofstream out(dir_ + "/" + fileKey(canary.metadata.namespace_, canary.metadata.name) + ".jsonl",
                        std::ios::app);
      out << line.dump() << "\n";
    }
    if (printer) printer(canary, e);
  }
  LocalPlatform::EventPrinter printer;
  // The last `max` events of every journal, by "ns/name".
  std::map<std::string, std::vector<controller::Event>> load(size_t max) const {
    std::map<std::string, std::vector<controller::Event>> out;
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(dir_, ec)) {
      const std::string stem = f.path().stem().string();
      const auto us = stem.find('_');
      if (f.path().extension() != ".jsonl" || us == std::string::npos) continue;
      auto& events = out[stem.substr(0, us) + "/" + stem.substr(us + 1)];
      std::ifstream in(f.path());
      std::string line;
      while (std::getline(in, line)) {
        auto j = json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;  // a torn last line after a crash
        controller::Event e;
        e.type = j.value("type", "") == "Warning" ? controller::EventType::Warning : controller::EventType::Normal;
        e.message = j.value("message", "");
        e.phase = api::parsePhase(j.value("phase", "")).value_or(api::Phase::None);
        e.time = Clock::TimePoint(std::chrono::milliseconds(j.value("unixMillis", int64_t{0})));
        events.push_back(std::move(e));
      }
      if (events.size() > max) events.erase(events.begin(), events.end() - static_cast<long>(max));
    }
    return out;
  }
  void remove(const std::string& ns, const std::string& name) {
    std::lock_guard lock(mu_);
    ::unlink((dir_ + "/" + fileKey(ns, name) + ".jsonl").c_str());
  }

 private:
  std::string dir_;
  std::mutex mu_;
};

std::string setKey(const std::string& ns, const std::string& set) { return nsOf(ns) + "/" + set; }

LocalPlatform::LocalPlatform(LocalOptions options)
    : options_(std::move(options)),
      store_(*options_.clock),
      journal_(std::make_unique<Journal>(options_.stateDir + "/events")),
      events_(200, journal_.get()) {}

Result<std::unique_ptr<LocalPlatform>> LocalPlatform::start(LocalOptions options) {
  if (options.stateDir.empty() || !options.clock) return makeError(ErrorCode::Invalid, "local platform: stateDir and clock are required");
  std::error_code ec;
  for (const char* sub : {"", "/canaries", "/events"}) {
    fs::create_directories(options.stateDir + sub, ec);
    if (ec) return makeError(ErrorCode::Io, fmt::format("cannot create {}{}: {}", options.stateDir, sub, ec.message()));
  }
  std::unique_ptr<LocalPlatform> p(new LocalPlatform(options));
  for (auto& [key, events] : p->journal_->load(200)) {
    const auto slash = key.find('/');
    p->events_.restore(key.substr(0, slash), key.substr(slash + 1), std::move(events));
  }
  Supervisor::Options so;
  so.stateDir = options.stateDir;
  so.clock = options.clock;
  so.selfExe = options.selfExe;
  auto sup = Supervisor::create(so);
  if (!sup) return sup.error();
  p->supervisor_ = std::move(*sup);
  MeshOptions mo;
  mo.stateDir = options.stateDir;
  mo.meshPort = options.meshPort;
  mo.adminPort = options.adminPort;
  auto mesh = Mesh::start(mo);
  if (!mesh) {
    p->supervisor_->shutdown(ShutdownMode::Detach);
    return mesh.error();
  }
  p->mesh_ = std::move(*mesh);
  const uint64_t seed = options.seed ? options.seed
                                     : static_cast<uint64_t>(options.clock->now().time_since_epoch().count());
  p->random_ = std::make_unique<SeededRandom>(seed);
  p->store_.watch([raw = p.get()](const Change& c) {
    if (c.kind == Kind::Canary) raw->persistCanary(c.namespace_, c.name);
  });
  p->syncer_ = std::thread([raw = p.get()] { raw->syncEndpoints(); });
  return p;
}

LocalPlatform::~LocalPlatform() { shutdown(ShutdownMode::StopAll); }

void LocalPlatform::setEventPrinter(EventPrinter printer) { journal_->printer = std::move(printer); }

void LocalPlatform::shutdown(ShutdownMode mode) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  if (supervisor_) supervisor_->shutdown(mode);
}

void LocalPlatform::persistCanary(const std::string& ns, const std::string& name) {
  const std::string path = options_.stateDir + "/canaries/" + fileKey(ns, name) + ".json";
  auto c = store_.getCanary(ns, name);
  if (!c) {
    ::unlink(path.c_str());
    return;
  }
  if (auto st = writeFileAtomically(path, api::encode(*c).dump(2) + "\n"); !st) {
    spdlog::error("cannot save the state of canary {}.{}: {}", name, ns, st.error().message);
  }
}

void LocalPlatform::applyCanary(api::Canary canary) {
  canary.metadata.namespace_ = nsOf(canary.metadata.namespace_);
  const auto& ns = canary.metadata.namespace_;
  const auto& name = canary.metadata.name;
  if (!store_.getCanary(ns, name)) {
    const std::string path = options_.stateDir + "/canaries/" + fileKey(ns, name) + ".json";
    if (auto text = readWholeFile(path); text) {
      auto saved = api::loadString(*text, path);
      if (saved.ok() && saved.canaries.size() == 1) {
        canary.status = saved.canaries[0].status;
        canary.metadata.finalizers = saved.canaries[0].metadata.finalizers;
        canary.metadata.deletionTimestamp = saved.canaries[0].metadata.deletionTimestamp;
      } else {
        spdlog::warn("ignoring the unreadable saved state {} of canary {}.{}", path, name, ns);
      }
    }
  }
  store_.applyCanary(std::move(canary));
}

bool LocalPlatform::managed(const std::string& ns, const std::string& name) const {
  for (const auto& c : store_.listCanaries()) {
    auto w = targetWorkload(*c);
    if (w && *w == name && c->metadata.namespace_ == ns) return true;
  }
  return false;
}

void LocalPlatform::applyWorkload(api::Workload workload) {
  workload.metadata.namespace_ = nsOf(workload.metadata.namespace_);
  const std::string ns = workload.metadata.namespace_;
  const std::string name = workload.metadata.name;
  auto w = std::make_shared<const api::Workload>(std::move(workload));
  {
    std::lock_guard lock(mu_);
    workloads_[ns + "/" + name] = w;
  }
  const auto current = supervisor_->status(setKey(ns, name));
  const bool canaryOwned = managed(ns, name) && supervisor_->status(setKey(ns, name + "-primary")).exists;
  // A canary's target keeps its replica count (0 between rollouts); the engine sees the new
  // revision at its next tick and scales it up. A plain workload runs as written at once.
  const int replicas = canaryOwned ? (current.exists ? current.desired : 0) : w->spec.replicas;
  if (auto st = applySet(ns, name, *w, replicas); !st) {
    spdlog::error("workload {}.{}: {}", name, ns, st.error().message);
  }
  if (!canaryOwned) {
    if (auto st = mesh_->declareService(ns, name, static_cast<uint16_t>(w->spec.port)); !st) {
      spdlog::error("workload {}.{}: service: {}", name, ns, st.error().message);
    }
  }
}

void LocalPlatform::deleteWorkload(const std::string& nsIn, const std::string& name) {
  const std::string ns = nsOf(nsIn);
  {
    std::lock_guard lock(mu_);
    workloads_.erase(ns + "/" + name);
  }
  supervisor_->remove(setKey(ns, name));
  for (const auto& s : mesh_->services()) {
    if (s.namespace_ == ns && s.name == name && s.endpoints == name) (void)mesh_->removeServices(ns, name);
  }
}

void LocalPlatform::applyAutoscaler(api::HorizontalPodAutoscaler hpa, const std::string& owner) {
  hpa.metadata.namespace_ = nsOf(hpa.metadata.namespace_);
  std::lock_guard lock(mu_);
  const std::string key = hpa.metadata.namespace_ + "/" + hpa.metadata.name;
  autoscalers_[key] = OwnedHpa{std::move(hpa), owner};
}

void LocalPlatform::deleteAutoscaler(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  autoscalers_.erase(nsOf(ns) + "/" + name);
}

std::optional<api::HorizontalPodAutoscaler> LocalPlatform::autoscaler(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = autoscalers_.find(nsOf(ns) + "/" + name);
  if (it == autoscalers_.end()) return std::nullopt;
  return it->second.hpa;
}

std::vector<api::HorizontalPodAutoscaler> LocalPlatform::autoscalers() const {
  std::lock_guard lock(mu_);
  std::vector<api::HorizontalPodAutoscaler> out;
  for (const auto& [k, h] : autoscalers_) out.push_back(h.hpa);
  return out;
}

Result<std::shared_ptr<const api::Workload>> LocalPlatform::workload(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = workloads_.find(nsOf(ns) + "/" + name);
  if (it == workloads_.end()) {
    return makeError(ErrorCode::NotFound,
                     fmt::format("workload {}.{} get query error: no Workload (aviary.dev/v1alpha1) named {} in namespace {}",
                                 name, nsOf(ns), name, nsOf(ns)));
  }
  return it->second;
}

std::vector<std::shared_ptr<const api::Workload>> LocalPlatform::workloads() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const api::Workload>> out;
  for (const auto& [k, w] : workloads_) out.push_back(w);
  return out;
}

Status LocalPlatform::applySet(const std::string& ns, const std::string& set, const api::Workload& workload, int replicas) {
  ProcessSpec spec = processSpecFor(workload);
  // The mesh is every process's HTTP proxy: service names resolve as in a cluster for any client
  // that honours http_proxy (docs/local-platform.md, "How service names resolve").
  spec.env.insert(spec.env.begin(), {EnvEntry{"http_proxy", mesh_->proxyUrl()}, EnvEntry{"HTTP_PROXY", mesh_->proxyUrl()},
                                     EnvEntry{"no_proxy", "localhost,127.0.0.1,::1"},
                                     EnvEntry{"NO_PROXY", "localhost,127.0.0.1,::1"}});
  return supervisor_->apply(setKey(ns, set), spec, replicas);
}

Result<std::string> LocalPlatform::targetWorkload(const api::Canary& canary) {
  const auto& ref = canary.spec.targetRef;
  if (ref.kind == api::kWorkloadKind || ref.kind == "Deployment") return ref.name;
  return makeError(ErrorCode::Invalid,
                   fmt::format("the local platform runs targetRef kind Workload (aviary.dev/v1alpha1) or Deployment (a "
                               "Workload of that name); found kind {} in canary {}.{}",
                               ref.kind, canary.metadata.name, canary.metadata.namespace_));
}

Result<std::unique_ptr<controller::Target>> LocalPlatform::makeTarget(const api::Canary& canary) {
  auto w = targetWorkload(canary);
  if (!w) return w.error();
  return std::unique_ptr<controller::Target>(std::make_unique<LocalTarget>(*this, nsOf(canary.metadata.namespace_), *w));
}

Result<std::unique_ptr<router::Router>> LocalPlatform::makeRouter(const api::Canary& canary, const std::string& provider) {
  if (provider != "istio" && provider != "kubernetes") {
    spdlog::info("{}.{}: provider {} is emulated by the local mesh with Istio's semantics", canary.metadata.name,
                 canary.metadata.namespace_, provider);
  }
  return std::unique_ptr<router::Router>(std::make_unique<CanaryRouter>(*mesh_, *random_));
}

void LocalPlatform::forget(const api::Canary& canary) {
  // What Kubernetes' garbage collector does for Flagger's owned objects: the primary and the
  // services go. Unlike Flagger (whose target stays at zero replicas unless revertOnDeletion),
  // the workload then runs again as a plain workload with its own service: on one machine a
  // deleted Canary should not take the service down (docs/local-platform.md).
  const std::string ns = nsOf(canary.metadata.namespace_);
  auto w = targetWorkload(canary);
  (void)mesh_->removeServices(ns, canary.serviceName());
  if (w) {
    supervisor_->remove(setKey(ns, *w + "-primary"));
    if (auto wl = workload(ns, *w)) {
      (void)applySet(ns, *w, **wl, (*wl)->spec.replicas);
      (void)mesh_->declareService(ns, *w, static_cast<uint16_t>((*wl)->spec.port));
    }
  }
  {
    std::lock_guard lock(mu_);
    std::erase_if(autoscalers_, [&](const auto& e) { return e.second.owner == ns + "/" + canary.metadata.name; });
  }
  journal_->remove(ns, canary.metadata.name);
  events_.forget(ns, canary.metadata.name);
}

void LocalPlatform::syncEndpoints() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    for (const auto& key : supervisor_->sets()) pushEndpoints(key);
    lock.lock();
    cv_.wait_for(lock, options_.endpointSync, [&] { return stopping_; });
  }
}

Status LocalPlatform::takeOverService(const api::Canary& canary, const std::string& workload) {
  const std::string ns = nsOf(canary.metadata.namespace_);
  const std::string apex = canary.serviceName();
  bool declared = false;
  for (const auto& s : mesh_->services()) {
    if (s.namespace_ != ns || s.name != apex) continue;
    if (s.endpoints == workload) {
      if (auto st = mesh_->removeServices(ns, apex); !st) return st;  // the plain service
    } else {
      declared = true;  // already the canary's
    }
  }
  if (declared) return okStatus();
  pushEndpoints(setKey(ns, workload + "-primary"));
  return mesh_->declareCanary(ns, apex, workload, static_cast<uint16_t>(canary.spec.service.port));
}

void LocalPlatform::pushEndpoints(const std::string& key) {
  // One push at a time, so that an older reading never overwrites a newer one in the mesh.
  std::lock_guard push(pushMu_);
  {
    {
      const auto st = supervisor_->status(key);
      std::vector<proxy::Endpoint> eps;
      for (const auto* list : {&st.readyEndpoints, &st.oldReadyEndpoints})
        for (const auto& e : *list) eps.push_back(proxy::Endpoint{"127.0.0.1", e.port});
      const auto slash = key.find('/');
      bool changed = false;
      {
        std::lock_guard l(mu_);
        auto& prev = pushed_[key];
        changed = prev.size() != eps.size() ||
                  !std::equal(prev.begin(), prev.end(), eps.begin(), [](const auto& a, const auto& b) {
                    return a.host == b.host && a.port == b.port;
                  });
        if (changed) prev = eps;
      }
      if (changed) {
        if (auto s = mesh_->setEndpoints(key.substr(0, slash), key.substr(slash + 1), eps); !s) {
          spdlog::error("endpoints of {}: {}", key, s.error().message);
          std::lock_guard l(mu_);
          pushed_.erase(key);  // try again next round
        }
      }
    }
  }
}

}  // namespace aviary::platform::local
