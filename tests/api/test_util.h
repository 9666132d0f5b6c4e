#pragma once
// Helpers shared by the api tests: a minimal valid Canary and a way to tweak it.
#include <string>

#include "api/decode.h"
#include "api/report.h"

namespace aviary::api::testing {

inline const char* kMinimalCanary = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
    - name: request-success-rate
      thresholdRange:
        min: 99
      interval: 1m
)";

// kMinimalCanary with `from` replaced by `to` (which must occur).
inline std::string canaryWith(const std::string& from, const std::string& to) {
  std::string s = kMinimalCanary;
  auto at = s.find(from);
  if (at == std::string::npos) return "REPLACEMENT NOT FOUND: " + from;
  return s.replace(at, from.size(), to);
}

// The text report of `aviary validate` for `text`, named "t.yaml".
inline std::string report(const std::string& text, bool strict = false) {
  return formatText(checkAll(loadString(text, "t.yaml"), strict));
}

}  // namespace aviary::api::testing
