// A MetricTemplate against a real Prometheus that requires TLS and HTTP basic auth
// (--web.config.file): secretRef credentials from a secrets directory and insecureSkipVerify.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "metrics/prometheus_checker.h"
#include "support/prometheus_server.h"

namespace aviary::metrics {
namespace {

namespace fs = std::filesystem;
using testsupport::PrometheusServer;

// Self-signed test certificate for IP 127.0.0.1 (valid until 2126) and its key: test data only.
constexpr const char* kCert = R"(-----BEGIN CERTIFICATE-----
MIIBlDCCATqgAwIBAgIUQFuTaA+IR/prN7qrlbHt25gKSqswCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLYXZpYXJ5LXRlc3QwIBcNMjYxMTI3MjIwMzAzWhgPMjEyNjEx
MDMyMjAzMDNaMBYxFDASBgNVBAMMC2F2aWFyeS10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAEU4O4slLgkbLdNp65fYIEfKMgQui2keYqmDn5Te398J+IBctb
yR0Ng4AXWbDWROoogXJQQBNdfuhKaBbswVJ3vqNkMGIwHQYDVR0OBBYEFHt/9nay
GtPLej8PpvN3ldO3BRIHMB8GA1UdIwQYMBaAFHt/9nayGtPLej8PpvN3ldO3BRIH
MA8GA1UdEwEB/wQFMAMBAf8wDwYDVR0RBAgwBocEfwAAATAKBggqhkjOPQQDAgNI
ADBFAiB+ipPwZRYMz7tpt/r6N73F+wcyQ1jBW8gVn5k4Q6Q3VQIhAKdpvJ6nQF4+
WSk1/Ig6IGEmabPU9XLYG2UmZeRh4ujM
-----END CERTIFICATE-----
)";
constexpr const char* kKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgOg1yMtfKpoZ1At4z
y5SUETjrXDFdTVj12GkXoHs34MOhRANCAARTg7iyUuCRst02nrl9ggR8oyBC6LaR
5iqYOflN7f3wn4gFy1vJHQ2DgBdZsNZE6iiBclBAE11+6EpoFuzBUne+
-----END PRIVATE KEY-----
)";
// bcrypt (cost 4) of "opensesame".
constexpr const char* kHash = "$2b$04$CpgJ.Z0Gt2Q3azgfI69oj.vLl3KmqtFowLF07NzFy0IpbxyHCiv5m";

class SecuredPrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PrometheusServer::Options o;
    o.tlsCertPem = kCert;
    o.tlsKeyPem = kKey;
    o.basicAuthUsers = {{"aviary", kHash}};
    o.clientUser = "aviary";
    o.clientPassword = "opensesame";
    auto prom = PrometheusServer::start(o);
    ASSERT_TRUE(prom.ok()) << prom.error().format();
    prom_ = prom->release();
    secretsDir_ = new std::string(prom_->directory() + "/secrets");
    fs::create_directories(*secretsDir_ + "/monitoring/prom-auth");
    fs::create_directories(*secretsDir_ + "/monitoring/wrong-auth");
    std::ofstream(*secretsDir_ + "/monitoring/prom-auth/username") << "aviary\n";
    std::ofstream(*secretsDir_ + "/monitoring/prom-auth/password") << "opensesame\n";
    std::ofstream(*secretsDir_ + "/monitoring/wrong-auth/username") << "aviary";
    std::ofstream(*secretsDir_ + "/monitoring/wrong-auth/password") << "guess";
  }
  static void TearDownTestSuite() {
    delete prom_;  // removes its directory, secrets included
    delete secretsDir_;
    prom_ = nullptr;
    secretsDir_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(prom_, nullptr) << "Prometheus did not start (see the suite's first failure)"; }

  static api::MetricTemplate tmpl(const std::string& name, const std::string& secret, bool insecure) {
    api::MetricTemplate t;
    t.metadata.name = name;
    t.metadata.namespace_ = "monitoring";
    t.provider.type = "prometheus";
    t.provider.address = prom_->url();
    t.provider.secretRefName = secret;
    t.provider.insecureSkipVerify = insecure;
    t.query = "vector(42)";
    return t;
  }
  static api::Canary canary(const std::string& templateName) {
    api::Canary c;
    c.metadata.name = "podinfo";
    c.metadata.namespace_ = "test";
    c.spec.targetRef.name = "podinfo";
    c.spec.analysis = api::CanaryAnalysis{};
    api::CanaryMetric m;
    m.name = "answer";
    m.templateRef = api::CrossNamespaceObjectReference{"", "", templateName, "monitoring"};
    c.spec.analysis->metrics.push_back(m);
    return c;
  }
  PrometheusChecker checker() const {
    return PrometheusChecker({tmpl("ok", "prom-auth", true), tmpl("verify", "prom-auth", false),
                              tmpl("wrong", "wrong-auth", true), tmpl("anon", "", true)},
                             std::make_shared<DirectorySecretSource>(*secretsDir_), PrometheusCheckerOptions{});
  }

  static inline PrometheusServer* prom_ = nullptr;
  static inline std::string* secretsDir_ = nullptr;
};

TEST_F(SecuredPrometheusTest, BasicAuthFromSecretAndInsecureSkipVerify) {
  ASSERT_EQ(prom_->url().rfind("https://127.0.0.1:", 0), 0u);
  auto c = canary("ok");
  MetricAnswer a = checker().evaluate(c, c.spec.analysis->metrics[0]);
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Value) << a.message;
  EXPECT_EQ(a.value, 42);
  EXPECT_TRUE(checker().checkProviders(c).ok());
}

TEST_F(SecuredPrometheusTest, CertificateIsVerifiedUnlessInsecureSkipVerify) {
  auto c = canary("verify");
  MetricAnswer a = checker().evaluate(c, c.spec.analysis->metrics[0]);
  ASSERT_EQ(a.kind, MetricAnswer::Kind::Error);
  EXPECT_NE(a.message.find("Prometheus at " + prom_->url() + " is unreachable"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("certificate"), std::string::npos) << a.message;
}

TEST_F(SecuredPrometheusTest, WrongOrMissingCredentialsAre401) {
  for (const char* name : {"wrong", "anon"}) {
    auto c = canary(name);
    MetricAnswer a = checker().evaluate(c, c.spec.analysis->metrics[0]);
    ASSERT_EQ(a.kind, MetricAnswer::Kind::Error) << name;
    EXPECT_EQ(a.message.rfind("error response: Status 401 Unauthorized", 0), 0u) << a.message;
    auto st = checker().checkProviders(c);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message.rfind(std::string("prometheus in metric template ") + name +
                                           ".monitoring not available: "
                                           "running query failed: error response: Status 401",
                                       0),
              0u)
        << st.error().message;
  }
}

}  // namespace
}  // namespace aviary::metrics
