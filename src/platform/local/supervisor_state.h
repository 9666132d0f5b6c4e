#pragma once
// Internal to the local platform: the supervisor's bookkeeping (one Set per name, one Replica per
// process slot), the roll policy that decides which replicas to start and stop, and the state
// file's JSON form. Not thread-safe by itself: the supervisor holds its mutex around all of it.
#include <sys/types.h>

#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/local/supervisor.h"

namespace aviary::platform::local::detail {

using TimePoint = Clock::TimePoint;

struct Replica {
  std::string id;
  std::string revision;
  std::shared_ptr<const ProcessSpec> spec;  // null for an adopted replica of a revision no longer known
  pid_t pid = 0;                            // 0: not running (backing off, or about to start)
  uint64_t startTime = 0;                   // of pid, from /proc/PID/stat
  uint16_t port = 0;
  bool adopted = false;  // pid is not our child: exit is seen through /proc, not waitpid
  bool ready = false;
  bool terminating = false;
  bool killed = false;   // SIGKILL sent
  TimePoint startedAt{}, killAt{}, nextStart{}, nextProbe{};
  Duration backoff{0};
  int restarts = 0;
  int probeSuccesses = 0, probeFailures = 0;
  std::future<bool> probe;  // in flight when valid
  std::string logPath;

  bool running() const { return pid > 0; }
};

struct Set {
  std::shared_ptr<const ProcessSpec> spec;
  int desired = 0;
  bool removing = false;
  std::vector<Replica> replicas;
  int restarts = 0;
  int nextId = 0;
  std::string lastError;
  std::string observedRevision;
  TimePoint lastProgress{};
};

// The set's current (desired) revision; "" for a set restored without a spec.
inline const std::string& revisionOf(const Set& set) {
  static const std::string kNone;
  return set.spec ? set.spec->revision : kNone;
}

// What the roll policy wants done to one set now: how many replicas of the current revision to
// start, and which replicas (indices into Set::replicas) to stop.
struct RollPlan {
  int start = 0;
  std::vector<size_t> stop;
};

// Deployment-style roll with maxSurge 1 and maxUnavailable 0 (rollout.cpp): never more than
// desired + 1 live replicas, and an old replica is stopped only while the ready ones stay at least
// `desired`. Not-ready replicas are stopped before ready ones, newer before older.
RollPlan planRoll(const Set& set);

// The state file (state_file.cpp). Versioned JSON; replicas are written with pid, start time,
// port, revision and readiness, sets with every spec still in use.
nlohmann::json encodeState(const std::map<std::string, Set>& sets);
// Rebuilds the sets from `json`; replicas are returned as written (the caller decides which still
// run). An Error (Invalid) names what is malformed.
Result<std::map<std::string, Set>> decodeState(const nlohmann::json& json);

nlohmann::json encodeSpec(const ProcessSpec& spec);
Result<ProcessSpec> decodeSpec(const nlohmann::json& json);

}  // namespace aviary::platform::local::detail
