#include "loadtester/gates.h"

namespace aviary::loadtester {

bool GateStore::check(const std::string& key) {
  std::lock_guard lock(mu_);
  return gates_.try_emplace(key, false).first->second;
}

void GateStore::open(const std::string& key) {
  std::lock_guard lock(mu_);
  gates_[key] = true;
}

void GateStore::close(const std::string& key) {
  std::lock_guard lock(mu_);
  gates_[key] = false;
}

}  // namespace aviary::loadtester
