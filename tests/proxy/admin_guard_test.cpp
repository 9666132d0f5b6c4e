// AdminGuard's Host, Origin and Authorization parsing (the admin API's defences against web
// pages: docs/proxy.md "Threat model").
#include "proxy/admin_guard.h"

#include <gtest/gtest.h>

namespace aviary::proxy {
namespace {

AdminConfig bound(const std::string& address, std::vector<std::string> hosts = {}) {
  AdminConfig a;
  a.address = address;
  a.allowedHosts = std::move(hosts);
  return a;
}

TEST(AdminGuardTest, HostNamesTheListeningAddress) {
  AdminGuard g(bound("127.0.0.1"), "");
  for (const char* ok : {"127.0.0.1", "127.0.0.1:15000", "localhost", "LocalHost:1", "[::1]:80", "[::ffff:127.0.0.1]:8"}) {
    EXPECT_TRUE(g.hostAllowed(ok)) << ok;
  }
  for (const char* bad : {"", "evil.example", "evil.example:15000", "127.0.0.1.nip.io", "10.0.0.1", "127.0.0.1:x",
                          "[::1", "[::1]x", "::1", "localhost.", "127.0.0.1:15000:1"}) {
    EXPECT_FALSE(g.hostAllowed(bad)) << bad;
  }
  AdminGuard lan(bound("10.0.0.5", {"proxy.internal"}), "t");
  EXPECT_TRUE(lan.hostAllowed("10.0.0.5:15000"));
  EXPECT_TRUE(lan.hostAllowed("PROXY.internal:15000"));
  EXPECT_FALSE(lan.hostAllowed("localhost"));
  EXPECT_FALSE(lan.hostAllowed("10.0.0.6"));
  AdminGuard any(bound("0.0.0.0"), "t");  // any of the machine's addresses, never a name
  EXPECT_TRUE(any.hostAllowed("192.168.7.7:15000"));
  EXPECT_TRUE(any.hostAllowed("localhost"));
  EXPECT_FALSE(any.hostAllowed("evil.example"));
}

TEST(AdminGuardTest, OriginNamesTheListeningAddress) {
  AdminGuard g(bound("127.0.0.1"), "");
  EXPECT_TRUE(g.originAllowed("http://127.0.0.1:15000"));
  EXPECT_TRUE(g.originAllowed("http://localhost:15000/"));
  EXPECT_FALSE(g.originAllowed("http://evil.example"));
  EXPECT_FALSE(g.originAllowed("null"));
  EXPECT_FALSE(g.originAllowed("file://"));
  EXPECT_FALSE(g.originAllowed("http://127.0.0.1:15000/path"));
  EXPECT_FALSE(g.originAllowed(""));
}

TEST(AdminGuardTest, BearerSchemeIsCaseInsensitive) {
  EXPECT_EQ(AdminGuard::bearerToken("Bearer abc").value_or("-"), "abc");
  EXPECT_EQ(AdminGuard::bearerToken("bearer abc").value_or("-"), "abc");
  EXPECT_EQ(AdminGuard::bearerToken("BEARER\tabc ").value_or("-"), "abc");
  EXPECT_FALSE(AdminGuard::bearerToken("Basic abc"));
  EXPECT_FALSE(AdminGuard::bearerToken("Bearer"));
  EXPECT_FALSE(AdminGuard::bearerToken("Bearer "));
  EXPECT_FALSE(AdminGuard::bearerToken("Bearerabc"));
  EXPECT_FALSE(AdminGuard::bearerToken(""));
}

TEST(AdminGuardTest, ChecksInOrderHostOriginToken) {
  AdminGuard g(bound("127.0.0.1"), "s3cret");
  http::ServerRequest req;
  req.method = "GET";
  req.path = "/config";
  EXPECT_EQ(g.check(req)->status, 400);  // no Host
  req.headers["host"] = "evil.example";
  EXPECT_EQ(g.check(req)->status, 403);
  req.headers["host"] = "127.0.0.1:1";
  req.headers["origin"] = "http://evil.example";
  EXPECT_EQ(g.check(req)->status, 403);
  req.headers.erase("origin");
  EXPECT_EQ(g.check(req)->status, 401);
  req.headers["authorization"] = "bearer s3cret";
  EXPECT_FALSE(g.check(req).has_value());
  req.headers["authorization"] = "bearer s3cre";
  EXPECT_EQ(g.check(req)->status, 401);
}

}  // namespace
}  // namespace aviary::proxy
