#pragma once
// Loading the seed manifests (examples/seed/, the scenario's unchanged YAML) in metric tests.
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "api/decode.h"

namespace aviary::metrics {

// Loads examples/seed/<file>; load and decode errors are test failures.
inline api::LoadResult loadSeed(const std::string& file) {
  auto r = api::loadFile(std::string(AVIARY_SOURCE_DIR) + "/examples/seed/" + file);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().format();
    return {};
  }
  for (const auto& e : r->errors) ADD_FAILURE() << e.format();
  return std::move(*r);
}

// The metric called `name` in the canary's analysis (throws when absent: a broken fixture).
inline const api::CanaryMetric& metricNamed(const api::Canary& c, const std::string& name) {
  for (const auto& m : c.spec.analysis->metrics) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no metric " + name + " in canary " + c.key());
}

}  // namespace aviary::metrics
