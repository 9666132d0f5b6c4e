// Runs one scenario through the same entry point as `aviary simulate` and checks the exit status:
//   scenario_runner FILE [EXPECTED_EXIT]   (EXPECTED_EXIT defaults to 0)
// Scenarios that must fail (exit 1 or 2) are registered with their expected status.
#include <cstdlib>
#include <iostream>

#include "simulate/kube_backend.h"
#include "simulate/simulator.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: scenario_runner FILE [EXPECTED_EXIT]\n";
    return 2;
  }
  const int expected = argc == 3 ? std::atoi(argv[2]) : 0;
  aviary::simulate::SimulateOptions opt;
  opt.kube = aviary::simulate::makeKubeBackend;
  const int rc = aviary::simulate::runScenarioFile(argv[1], opt, std::cout, std::cerr);
  if (rc != expected) {
    std::cerr << "scenario_runner: exit status " << rc << ", expected " << expected << "\n";
    return 1;
  }
  return 0;
}
