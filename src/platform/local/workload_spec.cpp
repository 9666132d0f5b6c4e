#include "platform/local/workload_spec.h"

#include <filesystem>

namespace aviary::platform::local {

ProcessSpec processSpecFor(const api::Workload& w) {
  namespace fs = std::filesystem;
  const fs::path dir = api::manifestDir(w);
  const api::WorkloadSpec& s = w.spec;
  ProcessSpec p;
  p.executable = s.command;
  if (s.command.find('/') != std::string::npos && !fs::path(s.command).is_absolute())
    p.executable = (dir / s.command).lexically_normal().string();
  p.args = s.args;
  for (const auto& e : s.env) p.env.push_back(EnvEntry{e.name, e.value});
  p.workingDir = fs::path(s.workingDir).is_absolute() ? s.workingDir : (dir / s.workingDir).lexically_normal().string();
  p.version = s.version;
  if (s.readinessProbe) {
    const api::Probe& in = *s.readinessProbe;
    ProbeSpec probe;
    probe.path = in.path;
    probe.initialDelay = std::chrono::seconds(in.initialDelaySeconds);
    probe.period = std::chrono::seconds(in.periodSeconds);
    probe.timeout = std::chrono::seconds(in.timeoutSeconds);
    probe.failureThreshold = in.failureThreshold;
    probe.successThreshold = in.successThreshold;
    p.readiness = probe;
  }
  p.grace = std::chrono::seconds(s.terminationGracePeriodSeconds);
  p.revision = api::workloadRevision(w);
  return p;
}

}  // namespace aviary::platform::local
