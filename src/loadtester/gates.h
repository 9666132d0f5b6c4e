#pragma once
// flagger-loadtester's in-memory gates ("in-memory" backend): lost on restart, not shared.
#include <map>
#include <mutex>
#include <string>

#include "webhooks/payload.h"

namespace aviary::loadtester {

// A gate's key, "<name>.<namespace>" of the canary that posted `p` (flagger-loadtester's).
inline std::string gateKey(const webhooks::Payload& p) {
  return p.name + "." + p.namespace_;
}

class GateStore {
 public:
  // True when the key is open. An unknown key is registered as closed (as Flagger does).
  bool check(const std::string& key);
  void open(const std::string& key);
  void close(const std::string& key);

 private:
  std::mutex mu_;
  std::map<std::string, bool> gates_;
};

}  // namespace aviary::loadtester
