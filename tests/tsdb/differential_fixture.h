#pragma once
// The differential tests' shared setup: one StepExporter scraped in lock-step by the embedded
// metrics server and by the real Prometheus (Debian 2.42), both every 500 ms, until the exporter's
// last step is stored on both sides. Started once per test binary. 500 ms, not less: a scrape
// that times out on a loaded machine would lose its step on one side only (the exporter counts a
// step as fetched when the request arrives).
#include <gtest/gtest.h>

#include <chrono>

#include "step_exporter.h"
#include "support/prometheus_server.h"
#include "tsdb/metrics_server.h"

namespace aviary::tsdb {

using promql::Millis;
using testing::StepExporter;

constexpr int kSteps = 24;
constexpr Millis kSpacing = 15000;

class DifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    using namespace std::chrono;
    // Twenty minutes back: well inside Prometheus's head window (its newest sample minus 1 h).
    base_ = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() / 1000 * 1000 - 20 * 60 * 1000;
    exporter_ = new StepExporter(base_, kSpacing, kSteps, {"Prometheus/", "aviary-metrics-server"});
    ServerOptions o;
    o.scrapeInterval = milliseconds(500);
    auto ours = MetricsServer::start(o, {{exporter_->url(), "aviary-test"}});
    ASSERT_TRUE(ours.ok()) << ours.error().format();
    ours_ = ours->release();
    testsupport::PrometheusServer::Options po;
    po.targets = {exporter_->url()};
    po.scrapeInterval = milliseconds(500);
    auto prom = testsupport::PrometheusServer::start(po);
    ASSERT_TRUE(prom.ok()) << prom.error().format();
    prom_ = prom->release();
    ASSERT_TRUE(exporter_->waitForLastStep(seconds(60))) << "exporter stuck at step " << exporter_->step();
  }
  static void TearDownTestSuite() {
    delete prom_;
    delete ours_;
    delete exporter_;
  }

  static inline Millis base_ = 0;
  static inline StepExporter* exporter_ = nullptr;
  static inline MetricsServer* ours_ = nullptr;
  static inline testsupport::PrometheusServer* prom_ = nullptr;
};

}  // namespace aviary::tsdb
