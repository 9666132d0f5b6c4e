#include "simulate/tick_record.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "controller/gofmt.h"

namespace aviary::simulate {

namespace {
std::string answerText(const metrics::MetricAnswer& a) {
  switch (a.kind) {
    case metrics::MetricAnswer::Kind::Value: return controller::goFloat(a.value);
    case metrics::MetricAnswer::Kind::NoValues: return "none";
    case metrics::MetricAnswer::Kind::Error: return "error";
  }
  return "";
}
}  // namespace

std::string formatText(const TickRecord& r) {
  std::string out = fmt::format("tick {:<3} {:>8}  {:<16} primary={:<3} canary={:<3}{} failedChecks={} iterations={}\n",
                                r.tick, formatDuration(r.time), r.phase.empty() ? "-" : r.phase,
                                r.routes.weights.primary(), r.routes.weights.canary(),
                                r.routes.mirror == router::Mirror::Yes ? " mirror" : "", r.failedChecks, r.iterations);
  for (const auto& e : r.events) out += fmt::format("  {:<8} {}\n", controller::toString(e.type), e.message);
  for (const auto& m : r.metrics) {
    out += fmt::format("    metric   {} = {} ({})\n", m.name, answerText(m.answer), m.ok ? "ok" : "failed");
  }
  for (const auto& w : r.webhooks) {
    out += fmt::format("    webhook  {} [{}] phase={} -> {}{}\n", w.name, w.type, w.phase, w.status,
                       w.ok ? "" : " (failed: " + w.error + ")");
  }
  for (const auto& a : r.alerts) {
    out += fmt::format("    alert    {} [{}] {}\n", a.provider, notifier::toString(a.severity), a.message);
  }
  return out;
}

std::string formatJson(const TickRecord& r) {
  nlohmann::ordered_json j;
  j["tick"] = r.tick;
  j["time"] = r.time.count();
  j["phase"] = r.phase;
  j["canaryWeight"] = r.routes.weights.canary();
  j["primaryWeight"] = r.routes.weights.primary();
  j["mirror"] = r.routes.mirror == router::Mirror::Yes;
  j["statusWeight"] = r.statusWeight;
  j["failedChecks"] = r.failedChecks;
  j["iterations"] = r.iterations;
  auto events = nlohmann::ordered_json::array();
  for (const auto& e : r.events) events.push_back({{"type", controller::toString(e.type)}, {"message", e.message}});
  j["events"] = std::move(events);
  auto hooks = nlohmann::ordered_json::array();
  for (const auto& w : r.webhooks) {
    nlohmann::ordered_json h{{"name", w.name}, {"type", w.type}, {"status", w.status}, {"phase", w.phase}, {"ok", w.ok}};
    if (!w.ok) h["error"] = w.error;
    hooks.push_back(std::move(h));
  }
  j["webhooks"] = std::move(hooks);
  auto ms = nlohmann::ordered_json::array();
  for (const auto& m : r.metrics) {
    nlohmann::ordered_json o{{"name", m.name}};
    if (m.answer.kind == metrics::MetricAnswer::Kind::Value) {
      o["value"] = m.answer.value;
    } else {
      o["value"] = nullptr;
      o["result"] = answerText(m.answer);
    }
    o["ok"] = m.ok;
    ms.push_back(std::move(o));
  }
  j["metrics"] = std::move(ms);
  auto alerts = nlohmann::ordered_json::array();
  for (const auto& a : r.alerts) {
    alerts.push_back({{"provider", a.provider}, {"severity", notifier::toString(a.severity)}, {"message", a.message}});
  }
  j["alerts"] = std::move(alerts);
  return j.dump() + "\n";
}

}  // namespace aviary::simulate
