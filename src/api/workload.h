#pragma once
// The local platform's workload: `apiVersion: aviary.dev/v1alpha1`, `kind: Workload`. A set of
// identical processes (replicas) started from one command line, the local analogue of a
// Deployment's pod template. A Canary targets it with
// `targetRef: {apiVersion: aviary.dev/v1alpha1, kind: Workload, name: NAME}`.
// Decoded by api/decode.h (LoadResult::workloads), checked by api/validate.h, fields documented in
// docs/resources.md. Plain value types plus pure helpers; no process handling here.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/canary.h"

namespace aviary::api {

inline constexpr const char* kLocalApiVersion = "aviary.dev/v1alpha1";
inline constexpr const char* kWorkloadKind = "Workload";
// `command: aviary` means this very binary (/proc/self/exe).
inline constexpr const char* kSelfCommand = "aviary";

struct EnvVar {
  std::string name;
  std::string value;  // may hold $(VAR) references to earlier entries, $(PORT) and $(VERSION)
};

// Kubernetes' readiness probe, HTTP GET only. Defaults as Kubernetes' except periodSeconds (1, not
// 10: local processes start in milliseconds and the demos use seconds-long intervals).
struct Probe {
  std::string path = "/";  // httpGet.path, sent to 127.0.0.1:$PORT
  int32_t initialDelaySeconds = 0;
  int32_t periodSeconds = 1;
  int32_t timeoutSeconds = 1;
  int32_t failureThreshold = 3;
  int32_t successThreshold = 1;
};

struct WorkloadSpec {
  std::string version;                // free text; exported as $VERSION
  int32_t replicas = 1;               // 0 allowed
  std::string command;                // required: "aviary", absolute, relative to the manifest's dir, or in PATH
  std::vector<std::string> args;      // $(VAR) expanded as Kubernetes does ($$ escapes)
  std::vector<EnvVar> env;            // in order; a later entry of the same name wins
  std::string workingDir = ".";       // relative to the manifest's dir
  int32_t port = 0;                   // required: the service port (containerPort); replicas get $PORT
  std::optional<Probe> readinessProbe;  // absent: a replica is ready once it runs
  int32_t terminationGracePeriodSeconds = 30;
};

struct Workload {
  std::string apiVersion = kLocalApiVersion;
  std::string kind = kWorkloadKind;
  ObjectMeta metadata;
  WorkloadSpec spec;
  SourcePos pos;             // where the document started; pos.file locates relative paths
  FieldPositions positions;  // see FieldPositions

  // "namespace/name" ("default" when no namespace was written).
  std::string key() const { return (metadata.namespace_.empty() ? "default" : metadata.namespace_) + "/" + metadata.name; }
};

// The stable fingerprint of everything that defines a revision of the workload's processes:
// version, command, args, env (in order), workingDir, port and the readiness probe. Not replicas,
// not terminationGracePeriodSeconds, not metadata: changing those never replaces a process (as a
// pod-template hash ignores a Deployment's replicas). 16 lower-case hex digits (FNV-1a 64 over a
// canonical JSON serialization); equal specs give equal strings across runs and machines.
std::string workloadRevision(const Workload& workload);

// Kubernetes' $(VAR) expansion (k8s.io/kubernetes third_party/forked/golang/expansion):
// `$(NAME)` is replaced by lookup(NAME) when that returns a value and left as written otherwise;
// `$$` is a literal `$`; any other `$` is kept. Pure.
std::string expandVars(std::string_view text,
                       const std::function<std::optional<std::string>(std::string_view)>& lookup);

// The $(VAR) names referenced by `text` (in order, repeats kept), as expandVars would see them.
std::vector<std::string> referencedVars(std::string_view text);

// The directory that relative `command` and `workingDir` are resolved against: the manifest's
// directory ("." for stdin or an in-memory source without a directory).
std::string manifestDir(const Workload& workload);

}  // namespace aviary::api
