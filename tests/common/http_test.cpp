#include <gtest/gtest.h>

#include "common/http_client.h"
#include "common/http_server.h"

namespace aviary::http {
namespace {

TEST(HttpServerTest, ServesAndClientReads) {
  auto srv = HttpServer::start("127.0.0.1", 0, [](const ServerRequest& r) {
    return ServerResponse::text(201, r.method + " " + r.path + " q=" + r.queryParam("q") + " body=" + r.body);
  });
  ASSERT_TRUE(srv.ok()) << srv.error().format();
  auto resp = postJson((*srv)->url() + "/hook?q=a%20b", "{}");
  ASSERT_TRUE(resp.ok()) << resp.error().format();
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->body, "POST /hook q=a b body={}");
  (*srv)->stop();
}

TEST(HttpServerTest, OversizedBodyGets413) {
  HttpServer::Options opts;
  opts.maxBodyBytes = 16;
  auto srv = HttpServer::start("127.0.0.1", 0, [](const ServerRequest&) { return ServerResponse::text(200, "ok"); },
                               opts);
  ASSERT_TRUE(srv.ok());
  auto resp = postJson((*srv)->url() + "/", std::string(100, 'x'));
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 413);
}

TEST(HttpClientTest, RefusedConnectionNamesUrl) {
  // Bind then stop a server to get a port that is very likely closed.
  auto srv = HttpServer::start("127.0.0.1", 0, [](const ServerRequest&) { return ServerResponse::text(200, ""); });
  ASSERT_TRUE(srv.ok());
  std::string url = (*srv)->url() + "/x";
  (*srv)->stop();
  auto resp = get(url, std::chrono::milliseconds(2000));
  ASSERT_FALSE(resp.ok());
  EXPECT_NE(resp.error().message.find(url), std::string::npos) << resp.error().message;
}

TEST(HttpServerTest, BindFailureIsAnError) {
  auto srv = HttpServer::start("127.0.0.1", 0, [](const ServerRequest&) { return ServerResponse::text(200, ""); });
  ASSERT_TRUE(srv.ok());
  auto second = HttpServer::start("127.0.0.1", (*srv)->port(),
                                  [](const ServerRequest&) { return ServerResponse::text(200, ""); });
  // SO_REUSEADDR does not allow two listeners on one port.
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("cannot listen on 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace aviary::http
