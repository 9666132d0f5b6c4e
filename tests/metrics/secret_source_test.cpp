#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "metrics/secret_source.h"

namespace aviary::metrics {
namespace {

namespace fs = std::filesystem;

TEST(DirectorySecretSourceTest, ReadsKeysAsFiles) {
  fs::path root = fs::temp_directory_path() / ("aviary-secrets-" + std::to_string(::getpid()));
  fs::create_directories(root / "istio-system" / "prom-auth");
  std::ofstream(root / "istio-system" / "prom-auth" / "username") << "admin\n";
  std::ofstream(root / "istio-system" / "prom-auth" / "password") << "p\nw";
  std::ofstream(root / "istio-system" / "prom-auth" / ".hidden") << "x";
  DirectorySecretSource src(root.string());
  auto data = src.get("istio-system", "prom-auth");
  ASSERT_TRUE(data.ok()) << data.error().message;
  EXPECT_EQ(*data, (SecretData{{"username", "admin"}, {"password", "p\nw"}}));
  auto missing = src.get("istio-system", "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_NE(missing.error().message.find((root / "istio-system" / "nope").string()), std::string::npos);
  EXPECT_EQ(src.get("..", "x").error().code, ErrorCode::Invalid);
  EXPECT_EQ(src.get("a", "b/../../c").error().code, ErrorCode::Invalid);
  fs::remove_all(root);
}

TEST(EnvSecretSourceTest, MangledVariableNames) {
  EXPECT_EQ(EnvSecretSource::prefixFor("istio-system", "prom-auth"), "AVIARY_SECRET_ISTIO_SYSTEM_PROM_AUTH_");
  EnvSecretSource src({"AVIARY_SECRET_ISTIO_SYSTEM_PROM_AUTH_TOKEN=abc=def", "PATH=/bin",
                       "AVIARY_SECRET_ISTIO_SYSTEM_PROM_AUTH_=empty-key-ignored"});
  auto data = src.get("istio-system", "prom-auth");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(*data, (SecretData{{"token", "abc=def"}}));
  auto missing = src.get("test", "none");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("AVIARY_SECRET_TEST_NONE_*"), std::string::npos);
}

}  // namespace
}  // namespace aviary::metrics
