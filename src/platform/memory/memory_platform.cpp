#include "platform/memory/memory_platform.h"

#include "router/nop_router.h"

namespace aviary::platform {
namespace {

std::string keyOf(const api::Canary& c) { return c.metadata.namespace_ + "/" + c.metadata.name; }

// The secrets the platform holds (a snapshot taken at each setSecrets()).
class MapSecrets final : public metrics::SecretSource {
 public:
  explicit MapSecrets(std::map<std::string, metrics::SecretData> data) : data_(std::move(data)) {}
  Result<metrics::SecretData> get(const std::string& ns, const std::string& name) const override {
    auto it = data_.find(ns + "/" + name);
    if (it == data_.end()) return makeError(ErrorCode::NotFound, "secret " + ns + "/" + name + " not found");
    return it->second;
  }

 private:
  std::map<std::string, metrics::SecretData> data_;
};

}  // namespace

MemoryPlatform::MemoryPlatform(const Clock& clock, uint64_t seed)
    : clock_(clock),
      store_(clock),
      initialRevision_({{"image", "podinfo:1"}}),
      secrets_(std::make_shared<MapSecrets>(std::map<std::string, metrics::SecretData>{})),
      seed_(seed) {}

void MemoryPlatform::setInitialRevision(nlohmann::json revision) {
  std::lock_guard lock(mu_);
  initialRevision_ = std::move(revision);
}

void MemoryPlatform::setSecrets(std::map<std::string, metrics::SecretData> secrets) {
  std::lock_guard lock(mu_);
  secrets_ = std::make_shared<MapSecrets>(std::move(secrets));
}

metrics::SecretSourcePtr MemoryPlatform::secrets() {
  std::lock_guard lock(mu_);
  return secrets_;
}

controller::MemoryTarget* MemoryPlatform::target(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = targets_.find(ns + "/" + name);
  return it == targets_.end() ? nullptr : it->second;
}

router::Router* MemoryPlatform::router(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = routers_.find(ns + "/" + name);
  return it == routers_.end() ? nullptr : it->second;
}

int MemoryPlatform::forgotten() const {
  std::lock_guard lock(mu_);
  return forgotten_;
}

Result<std::unique_ptr<controller::Target>> MemoryPlatform::makeTarget(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  auto t = std::make_unique<controller::MemoryTarget>(clock_, initialRevision_);
  // A target made again for the same canary (a restarted runtime) finds the workload as it is.
  if (auto it = targets_.find(keyOf(canary)); it != targets_.end()) t->adoptStateOf(*it->second);
  targets_[keyOf(canary)] = t.get();
  return std::unique_ptr<controller::Target>(std::move(t));
}

Result<std::unique_ptr<router::Router>> MemoryPlatform::makeRouter(const api::Canary& canary,
                                                                   const std::string& provider) {
  std::lock_guard lock(mu_);
  std::unique_ptr<router::Router> r;
  if (provider == "kubernetes") {
    r = std::make_unique<router::NopRouter>();
  } else {
    // One seeded generator per canary: a router is not shared between canaries (not thread-safe).
    auto& random = randoms_[keyOf(canary)];
    if (!random) random = std::make_unique<LazySeededRandom>(seed_ + randoms_.size());
    auto m = std::make_unique<router::MemoryRouter>(*random);
    if (auto it = memoryRouters_.find(keyOf(canary)); it != memoryRouters_.end()) m->adoptStateOf(*it->second);
    memoryRouters_[keyOf(canary)] = m.get();
    r = std::move(m);
  }
  routers_[keyOf(canary)] = r.get();
  return r;
}

void MemoryPlatform::forget(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  const std::string key = keyOf(canary);
  Forgotten f;
  if (auto it = targets_.find(key); it != targets_.end()) f.targetReverted = it->second->reverted();
  if (auto it = memoryRouters_.find(key); it != memoryRouters_.end()) f.routes = it->second->routes();
  forgottenState_[key] = f;
  targets_.erase(key);
  routers_.erase(key);
  memoryRouters_.erase(key);
  ++forgotten_;
}

std::optional<MemoryPlatform::Forgotten> MemoryPlatform::forgottenState(const std::string& ns,
                                                                         const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = forgottenState_.find(ns + "/" + name);
  if (it == forgottenState_.end()) return std::nullopt;
  return it->second;
}

}  // namespace aviary::platform
