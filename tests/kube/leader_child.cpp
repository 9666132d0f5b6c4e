// Helper program for leader_process_test: one leader elector in its own process, so the test can
// SIGKILL a leader for real. Usage: kube_leader_child SERVER_URL TOKEN IDENTITY
// Prints "leading" when it acquires the lease and "stopped" when run() returns; SIGTERM stops it
// gracefully (the lease is released). Lease 1 s, renew deadline 600 ms, retry 100 ms.
#include <csignal>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "kube/client.h"
#include "kube/leader_election.h"

namespace {
std::atomic<bool> gStop{false};
void onTerm(int) { gStop.store(true); }  // lock-free atomic store: async-signal-safe
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s SERVER_URL TOKEN IDENTITY\n", argv[0]);
    return 2;
  }
  spdlog::set_level(spdlog::level::off);  // stdout carries only the two words the test reads
  std::signal(SIGTERM, onTerm);
  aviary::kube::ClusterConfig cluster;
  cluster.server = argv[1];
  cluster.token = argv[2];
  aviary::kube::ClientOptions options;
  options.qps = 0;
  options.timeout = std::chrono::milliseconds(500);
  aviary::kube::Client client(cluster, options);
  aviary::kube::LeaderElectionConfig config;
  config.identity = argv[3];
  config.leaseNamespace = "default";
  config.leaseDuration = std::chrono::milliseconds(1000);
  config.renewDeadline = std::chrono::milliseconds(600);
  config.retryPeriod = std::chrono::milliseconds(100);
  aviary::SystemClock clock;
  aviary::kube::LeaderElector elector(client, config, clock);
  auto leading = [] {
    std::printf("leading\n");
    std::fflush(stdout);
  };
  auto status = elector.run(leading, [] {}, gStop);
  std::printf("stopped\n");
  return status.ok() ? 0 : 1;
}
