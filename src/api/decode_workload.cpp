// Workload spec decoding (api/workload.h) with Kubernetes-style defaults.
#include "api/decode_parts.h"

namespace aviary::api::detail {
namespace {

constexpr int64_t kInt32Max = INT32_MAX;

void decodeProbe(ObjectReader& p, Probe& out) {
  p.require("httpGet");
  auto get = p.child("httpGet");
  if (get.isObject()) {
    get.str("path", out.path);
    if (out.path.empty()) out.path = "/";
  }
  p.int32("initialDelaySeconds", out.initialDelaySeconds, 0, kInt32Max);
  p.int32("periodSeconds", out.periodSeconds, 1, kInt32Max);
  p.int32("timeoutSeconds", out.timeoutSeconds, 1, kInt32Max);
  p.int32("failureThreshold", out.failureThreshold, 1, kInt32Max);
  p.int32("successThreshold", out.successThreshold, 1, kInt32Max);
}

}  // namespace

void decodeWorkloadSpec(ObjectReader& spec, WorkloadSpec& out) {
  spec.str("version", out.version);
  spec.int32("replicas", out.replicas, 0, kInt32Max);
  spec.str("command", out.command, true);
  spec.stringList("args", out.args);
  auto env = spec.list("env");
  const std::string envPath = spec.fieldPath("env");
  for (size_t i = 0; i < env.size(); ++i) {
    ObjectReader item(spec.sink(), env[i], indexPath(envPath, i), lineCol(env[i]));
    EnvVar v;
    if (item.isObject()) {
      item.str("name", v.name, true);
      item.str("value", v.value);
    } else if (!item.present()) {
      spec.sink().error(spec.sink().pos(env[i]), indexPath(envPath, i), "expected an object, found null");
    }
    out.env.push_back(std::move(v));
  }
  spec.str("workingDir", out.workingDir);
  if (out.workingDir.empty()) out.workingDir = ".";
  spec.int32("port", out.port, 1, 65535, true);
  auto probe = spec.child("readinessProbe");
  if (probe.isObject()) {
    Probe p;
    decodeProbe(probe, p);
    out.readinessProbe = p;
  }
  spec.int32("terminationGracePeriodSeconds", out.terminationGracePeriodSeconds, 0, kInt32Max);
}

}  // namespace aviary::api::detail
