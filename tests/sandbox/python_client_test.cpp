// The sandbox checked by the official Kubernetes Python client (Debian python3-kubernetes): the
// checks are in python_client_check.py; this starts a sandbox for it and runs it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "run_command.h"
#include "sandbox/api_server.h"

namespace aviary::sandbox {
namespace {

TEST(PythonClientTest, ListWatchPatchStatusConflictAndGone) {
  auto probe = testing::runCommand({"/usr/bin/python3", "-c", "import kubernetes"});
  ASSERT_EQ(probe.exitCode, 0) << "python3-kubernetes is needed (scripts/install-deps.sh installs it): "
                               << probe.describe();
  SystemClock clock;
  SeededRandom random(3);
  ApiServerOptions o;
  o.watchHistory = 40;
  o.kubelet = false;
  o.tls = true;
  o.token = "python-test-token";
  auto server = ApiServer::start(o, clock, random);
  ASSERT_TRUE(server.ok()) << server.error().format();
  char tmpl[] = "/tmp/aviary-python-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/kubeconfig") << kubeconfigFor(server.value()->url(), o.token, "sandbox", server.value()->caCertPem());
  auto r = testing::runCommand({"/usr/bin/python3", AVIARY_PYTHON_CHECK, dir + "/kubeconfig"}, {},
                               std::chrono::seconds(60), {"HOME=" + dir});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exitCode, 0) << r.describe();
  EXPECT_NE(r.out.find("all checks passed"), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace aviary::sandbox
