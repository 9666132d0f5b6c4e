#pragma once
// A scripted stand-in for Prometheus's /api/v1/query on 127.0.0.1 (unit tests of the wire
// protocol: URL, credentials, result decoding). Integration tests use the real binary instead
// (tests/support/prometheus_server.h).
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/http_server.h"

namespace aviary::metrics {

class FakePrometheus {
 public:
  FakePrometheus() {
    auto srv = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& r) { return handle(r); });
    EXPECT_TRUE(srv.ok()) << srv.error().format();
    server_ = std::move(*srv);
  }
  ~FakePrometheus() { server_->stop(); }

  std::string url() const { return server_->url(); }

  // Every following query answers `status` with `body`.
  void respond(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  // A one-sample vector with the given value string.
  void respondValue(const std::string& v) {
    respond(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,")" +
                     v + R"("]}]}})");
  }

  // Every following request is answered only after `delay` (timeout tests).
  void delay(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ = d;
  }

  std::vector<http::ServerRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  http::ServerRequest last() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.empty() ? http::ServerRequest{} : requests_.back();
  }

 private:
  http::ServerResponse handle(const http::ServerRequest& r) {
    std::chrono::milliseconds d;
    {
      std::lock_guard<std::mutex> lock(mu_);
      d = delay_;
    }
    if (d.count() > 0) std::this_thread::sleep_for(d);
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(r);
    // vector(1) is the availability probe: answer it like Prometheus unless told otherwise.
    if (r.queryParam("query") == "vector(1)" && body_.empty()) {
      return http::ServerResponse::json(
          200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}})");
    }
    return http::ServerResponse::json(status_, body_);
  }

  std::unique_ptr<http::HttpServer> server_;
  mutable std::mutex mu_;
  int status_ = 200;
  std::string body_;
  std::vector<http::ServerRequest> requests_;
  std::chrono::milliseconds delay_{0};
};

}  // namespace aviary::metrics
