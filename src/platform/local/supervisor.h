#pragma once
// The local platform's process supervisor: a desired-state controller of named replica sets of
// child processes, the local analogue of a Deployment controller plus kubelet.
//
// Contract:
// - apply(set, spec, replicas) records the desired state and returns at once; a background thread
//   converges to it. A set whose spec.revision changed is rolled like a Deployment with maxSurge 1
//   and maxUnavailable 0: start one replica of the new revision, wait until it is ready, stop one
//   of an old revision, repeat. So the ready replicas never drop below `replicas` during a roll
//   (when they were all ready before it). Scaling without a new revision starts or stops replicas
//   (stopping the not-ready and newest ones first).
// - Each replica: its own process group (posix_spawn with POSIX_SPAWN_SETPGROUP), executed
//   directly (never through a shell), stdout and stderr appended to its own log file under
//   stateDir/logs/, a free loopback port of its own in $PORT. Its environment is the supervisor's
//   own, then spec.env in order (values $(VAR)-expanded like Kubernetes'), then PORT and VERSION;
//   args are $(VAR)-expanded with the same variables (api::expandVars).
// - Readiness: HTTP GET http://127.0.0.1:PORT/PATH with the probe's initial delay, period, timeout
//   and thresholds (2xx/3xx succeed); without a probe a replica is ready once it runs.
// - A replica that exits (crash) or cannot start (not found, not executable, ...) is restarted in
//   place with exponential back-off (Options::initialBackoff doubling up to Options::maxBackoff,
//   reset after it has run for Options::backoffReset) and counts as not ready meanwhile. The last
//   reason ("exec: \"nope\": no such file or directory", "exited with status 1: <last log line>")
//   is kept in SetStatus::lastStartError. Nothing here throws or aborts on a bad spec.
// - Stopping a replica: SIGTERM to its process group, SIGKILL to the group after spec.grace.
// - State (sets, specs, and each replica's pid, its start time from /proc/PID/stat, port,
//   revision, readiness) is written to stateDir/supervisor.json atomically (write, fsync,
//   rename) after every change. A Supervisor started on a stateDir that holds a state adopts the
//   replicas that still run (same pid AND same start time, so a reused pid is never adopted) and
//   restarts the missing ones, without any apply() call.
// - Logs are rotated by size with copytruncate (the file is copied to NAME.1 and truncated in
//   place, so a process that opened it with O_APPEND, adopted ones included, keeps logging to it).
//
// Thread-safety: every public method may be called from any thread. One background thread polls
// child processes (waitpid WNOHANG, every Options::tick) and runs the probes on short-lived
// threads of their own, so a slow probe never delays the others.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/result.h"

namespace aviary::platform::local {

struct ProbeSpec {
  std::string path = "/";
  Duration initialDelay{0};
  Duration period{std::chrono::seconds(1)};
  Duration timeout{std::chrono::seconds(1)};
  int failureThreshold = 3;
  int successThreshold = 1;
};

struct EnvEntry {
  std::string name;
  std::string value;  // may reference earlier entries, $(PORT) and $(VERSION)
};

struct ProcessSpec {
  std::string executable;         // absolute path, or a bare name looked up in the supervisor's PATH
  std::vector<std::string> args;  // argv[1..]; $(VAR) expanded per replica (see above)
  std::vector<EnvEntry> env;
  std::string workingDir;         // "" = the supervisor's working directory
  std::string version;            // exported as $VERSION
  std::optional<ProbeSpec> readiness;
  Duration grace{std::chrono::seconds(30)};  // SIGTERM to SIGKILL
  std::string revision;           // replicas of another revision are replaced by a roll
};

enum class ShutdownMode {
  StopAll,  // stop every replica (SIGTERM, SIGKILL after grace) and wait until all are gone
  Detach,   // leave every replica running and the state file in place, for adoption
};

struct ReplicaStatus {
  enum class State { Starting, Ready, NotReady, BackOff, Terminating };
  std::string id;        // stable name, also the log file's stem
  int pid = 0;           // 0 while backing off
  uint16_t port = 0;
  std::string revision;
  State state = State::Starting;
  int restarts = 0;
  bool adopted = false;  // started by an earlier Supervisor
  std::string logPath;
};
const char* toString(ReplicaStatus::State s);

struct Endpoint {
  std::string address;  // "127.0.0.1:PORT"
  uint16_t port = 0;
  std::string revision;
  std::string replica;  // ReplicaStatus::id
};

struct SetStatus {
  bool exists = false;
  std::string revision;          // the desired (current) revision
  std::string observedRevision;  // the revision every replica ran when the set last settled
  int desired = 0;
  int replicas = 0;   // running or starting, not terminating, of any revision
  int updated = 0;    // of those, of the current revision
  int ready = 0;      // ready, any revision
  int available = 0;  // ready, current revision
  std::vector<Endpoint> readyEndpoints;     // ready replicas of the current revision
  std::vector<Endpoint> oldReadyEndpoints;  // ready replicas of older revisions (during a roll)
  int restarts = 0;                         // over the set's life
  std::string lastStartError;               // "" until a replica failed to start or crashed
  Clock::TimePoint lastProgress{};          // last apply of a new spec, replica ready, old one stopped, or a
                                            // ready one of the current revision lost (crash, probe)
  std::vector<ReplicaStatus> members;       // every replica, terminating ones included

  // The roll is done: desired replicas of the current revision, all ready, nothing else left.
  bool settled() const { return updated == desired && available == desired && replicas == desired; }
};

class Supervisor {
 public:
  struct Options {
    std::string stateDir;  // required; created when missing
    const Clock* clock = nullptr;  // required; outlives the Supervisor
    Duration tick{std::chrono::milliseconds(50)};  // how often child processes are polled
    Duration initialBackoff{std::chrono::seconds(1)};
    Duration maxBackoff{std::chrono::seconds(10)};
    Duration backoffReset{std::chrono::seconds(60)};  // a replica that ran this long restarts fast again
    uint64_t maxLogBytes = 10u << 20;                 // rotate a replica's log above this size
    int keepLogs = 3;                                 // rotated copies kept: NAME.1 .. NAME.N
    Duration logCheckInterval{std::chrono::seconds(1)};  // how often log sizes are looked at
    std::string selfExe;  // what ProcessSpec::executable "aviary" runs; "" = /proc/self/exe
  };

  // Creates the state directory, loads an earlier state (adopting what still runs) and starts the
  // background thread. An Error when the directory or the state file cannot be used (a corrupt
  // state file is an error naming it, not silently dropped).
  static Result<std::unique_ptr<Supervisor>> create(Options options);

  virtual ~Supervisor() = default;  // implementations shut down with StopAll unless already shut down

  // Desired state of `set` (any non-empty name, e.g. "test/podinfo-primary"). An Error (Invalid)
  // only for a malformed request (empty name or executable, replicas < 0, thresholds < 1, after
  // shutdown); problems starting processes are reported through status().
  virtual Status apply(const std::string& set, const ProcessSpec& spec, int replicas) = 0;
  // Sets the replica count of an existing set, keeping its spec (what a HorizontalPodAutoscaler
  // does through the scale subresource), only when the set's desired count is still `from`: an
  // Error (Conflict) when another writer changed it since it was read, (NotFound) when the set
  // does not exist or has no spec.
  virtual Status scale(const std::string& set, int from, int to) = 0;
  virtual SetStatus status(const std::string& set) const = 0;
  virtual std::vector<std::string> sets() const = 0;
  // Stops the set's replicas (SIGTERM, SIGKILL after grace) and forgets it once they are gone.
  virtual void remove(const std::string& set) = 0;
  // Blocks until done (StopAll: every replica gone). Idempotent; later calls of apply fail.
  virtual void shutdown(ShutdownMode mode) = 0;
};

}  // namespace aviary::platform::local
