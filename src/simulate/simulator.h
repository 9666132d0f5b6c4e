#pragma once
// Runs a Scenario against the engine with in-memory implementations and a virtual clock (no real
// sleeping): before each tick the clock advances by analysis.interval. Prints one record per
// tick (text or JSON Lines) and checks the expectations.
#include <iosfwd>
#include <string>

#include "simulate/backend.h"
#include "simulate/scenario.h"

namespace aviary::simulate {

enum class OutputFormat { Text, Json };

struct SimulateOptions {
  OutputFormat format = OutputFormat::Text;
  uint64_t seed = 1;   // for session-affinity cookies
  bool quiet = false;  // no per-tick output (expectation failures are still reported)
  // Runs scenarios on Kubernetes objects (simulate/kube_backend.h, wired by the cli); unset:
  // such scenarios are refused (exit 2).
  BackendFactory kube;
};

// Exit statuses of `aviary simulate`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitExpectationFailed = 1;
inline constexpr int kExitInvalidScenario = 2;

// Runs a loaded scenario; per-tick records go to `out`, expectation failures to `err`.
int runScenario(const Scenario& scenario, const SimulateOptions& options, std::ostream& out, std::ostream& err);

// Loads + runs; invalid scenarios print every error to `err` and return kExitInvalidScenario.
int runScenarioFile(const std::string& path, const SimulateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace aviary::simulate
