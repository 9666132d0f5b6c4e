// `aviary sandbox` as a user runs it: the binary starts, writes its kubeconfig (mode 0600), serves
// kubectl, and stops cleanly on SIGTERM; bad flags are usage errors.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "run_command.h"

namespace aviary::sandbox {
namespace {

TEST(SandboxCliTest, ServesKubectlUntilTerminated) {
  char tmpl[] = "/tmp/aviary-sandbox-cli-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string kc = dir + "/kubeconfig";
  testing::BackgroundCommand sandbox({AVIARY_BINARY, "sandbox", "--kubeconfig", kc, "--listen", "127.0.0.1:0"});
  std::string line = sandbox.readLine(std::chrono::seconds(20));
  ASSERT_NE(line.find("serving https://127.0.0.1:"), std::string::npos) << line;
  struct stat st {};
  ASSERT_EQ(stat(kc.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto r = testing::runCommand({"kubectl", "--kubeconfig", kc, "--cache-dir", dir + "/cache", "get", "namespaces"});
  EXPECT_EQ(r.exitCode, 0) << r.describe();
  EXPECT_NE(r.out.find("kube-system"), std::string::npos) << r.describe();
  EXPECT_NE(r.out.find("Active"), std::string::npos) << r.describe();
  EXPECT_EQ(sandbox.terminate(), 0);
  std::filesystem::remove_all(dir);
}

TEST(SandboxCliTest, BadListenAddressIsAUsageError) {
  auto r = testing::runCommand({AVIARY_BINARY, "sandbox", "--kubeconfig", "/tmp/unused-kubeconfig", "--listen", "nowhere"});
  EXPECT_EQ(r.exitCode, 2) << r.describe();
  EXPECT_NE(r.err.find("--listen: expected ADDRESS:PORT, found \"nowhere\""), std::string::npos) << r.describe();
}

}  // namespace
}  // namespace aviary::sandbox
