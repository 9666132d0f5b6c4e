#pragma once
// From the api's Workload (api/workload.h) to the supervisor's ProcessSpec: what the local
// platform applies for a Workload and for the primary and canary sets it derives from one.
#include "api/workload.h"
#include "platform/local/supervisor.h"

namespace aviary::platform::local {

// Pure. `command` "aviary" stays "aviary" (the supervisor runs its own binary); a command with a
// '/' that is not absolute and a relative workingDir are resolved against the manifest's
// directory (api::manifestDir); a bare name stays for the supervisor's PATH lookup. Args and env
// are kept unexpanded ($(PORT) differs per replica); revision = api::workloadRevision(w).
ProcessSpec processSpecFor(const api::Workload& workload);

}  // namespace aviary::platform::local
