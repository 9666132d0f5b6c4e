// kubeconfig forms: merged files, current context and --context, CA and client certificate as
// data or files (relative paths), insecure-skip-tls-verify, token and tokenFile, and errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kube/config.h"
#include "kube/rate_limiter.h"

namespace aviary::kube {
namespace {

namespace fs = std::filesystem;

class KubeconfigTest : public ::testing::Test {
 protected:
  KubeconfigTest() {
    char tmpl[] = "/tmp/aviary-kubeconfig-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~KubeconfigTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }
  std::string dir_;
};

const char* kMain = R"(apiVersion: v1
kind: Config
current-context: prod
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
- name: dev
  cluster:
    server: https://dev:6443/
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate: certs/admin.crt
    client-key-data: a2V5
- name: dev
  user:
    tokenFile: token
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: flagger}
- name: dev
  context: {cluster: dev, user: dev}
)";

TEST_F(KubeconfigTest, CurrentContextWithCertificateDataAndRelativeFiles) {
  auto cfg = loadKubeconfig({write("a/config", kMain)});
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  EXPECT_EQ(cfg->server, "https://10.0.0.1:6443");
  EXPECT_EQ(cfg->caData, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(cfg->clientCertFile, dir_ + "/a/certs/admin.crt");
  EXPECT_EQ(cfg->clientKeyData, "key");
  EXPECT_EQ(cfg->ns, "flagger");
  EXPECT_EQ(cfg->contextName, "prod");
}

TEST_F(KubeconfigTest, ExplicitContextWithInsecureAndTokenFile) {
  auto cfg = loadKubeconfig({write("a/config", kMain)}, "dev");
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  EXPECT_EQ(cfg->server, "https://dev:6443/");
  EXPECT_TRUE(cfg->insecureSkipVerify);
  EXPECT_EQ(cfg->tokenFile, dir_ + "/a/token");
  EXPECT_EQ(cfg->ns, "default");
}

TEST_F(KubeconfigTest, SeveralFilesFirstDefinitionWinsAndMissingFilesAreSkipped) {
  std::string first = write("first", R"(current-context: other
users:
- name: admin
  user: {token: from-first}
)");
  auto cfg = loadKubeconfig({dir_ + "/does-not-exist", first, write("a/config", kMain)});
  ASSERT_FALSE(cfg.ok()) << "current-context comes from the first file that sets it";
  EXPECT_NE(cfg.error().message.find("\"other\""), std::string::npos) << cfg.error().message;
  auto prod = loadKubeconfig({first, write("a/config", kMain)}, "prod");
  ASSERT_TRUE(prod.ok()) << prod.error().format();
  EXPECT_EQ(prod->token, "from-first");
}

TEST_F(KubeconfigTest, EveryProblemIsReported) {
  auto cfg = loadKubeconfig({write("bad", R"(current-context: x
clusters:
- name: x
  cluster: {certificate-authority-data: "!!notbase64"}
users:
- name: x
  user: {exec: {command: aws}}
contexts:
- name: x
  context: {cluster: x, user: x}
)")});
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.error().message.find("server: expected a URL"), std::string::npos) << cfg.error().message;
  EXPECT_NE(cfg.error().message.find("certificate-authority-data: expected base64"), std::string::npos) << cfg.error().message;
  EXPECT_NE(cfg.error().message.find("exec plugin"), std::string::npos) << cfg.error().message;
  EXPECT_EQ(loadKubeconfig({dir_ + "/none"}).error().code, ErrorCode::Io);
}

TEST_F(KubeconfigTest, InClusterConfigReadsTheServiceAccount) {
  write("sa/token", "tok\n");
  write("sa/namespace", "flagger-system\n");
  setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto cfg = inClusterConfig(dir_ + "/sa");
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(cfg.ok()) << cfg.error().format();
  EXPECT_EQ(cfg->server, "https://10.96.0.1:443");
  EXPECT_EQ(cfg->ns, "flagger-system");
  EXPECT_EQ(cfg->caFile, dir_ + "/sa/ca.crt");
  EXPECT_EQ(inClusterConfig(dir_ + "/sa").error().code, ErrorCode::NotFound);
}

TEST(RateLimiterTest, BurstThenQps) {
  ManualClock clock;
  std::vector<std::chrono::nanoseconds> slept;
  RateLimiter limiter(2, 3, clock, [&](std::chrono::nanoseconds d) {
    slept.push_back(d);
    clock.advance(std::chrono::duration_cast<std::chrono::milliseconds>(d));
  });
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire().count(), 0) << "burst of 3";
  EXPECT_EQ(limiter.acquire(), std::chrono::milliseconds(500));
  EXPECT_EQ(limiter.acquire(), std::chrono::milliseconds(500));
  clock.advance(std::chrono::seconds(10));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.acquire().count(), 0) << "the bucket refills up to the burst only";
  EXPECT_GT(limiter.acquire().count(), 0);
  RateLimiter off(0, 1, clock, nullptr);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(off.acquire().count(), 0);
}

}  // namespace
}  // namespace aviary::kube
