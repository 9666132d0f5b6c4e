// -q is per worker, as in hey: -q 10 -c 2 -z 10s sends 200 ± 4 requests. Takes 10 s.
#include <gtest/gtest.h>

#include <atomic>

#include "common/http_server.h"
#include "loadtester/hey_engine.h"

namespace aviary::loadtester {
namespace {

TEST(HeyRateTest, QpsIsPerWorker) {
  std::atomic<uint64_t> count{0};
  auto srv = http::HttpServer::start("127.0.0.1", 0, [&](const http::ServerRequest&) {
    ++count;
    return http::ServerResponse::text(200, "ok");
  });
  ASSERT_TRUE(srv.ok());
  auto o = parseHeyArgs({"-q", "10", "-c", "2", "-z", "10s", (*srv)->url() + "/"});
  ASSERT_TRUE(o.ok());
  auto r = runHey(*o, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(static_cast<double>(count.load()), 200.0, 4.0);
  EXPECT_EQ(r->stats.responses, count.load());
  EXPECT_NEAR(std::chrono::duration<double>(r->elapsed).count(), 10.0, 0.5);
  (*srv)->stop();
}

}  // namespace
}  // namespace aviary::loadtester
