#include "controller/history.h"

#include <cstdint>

namespace aviary::controller {

using nlohmann::json;

namespace {
template <typename T>
void optional(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
std::optional<double> optDouble(const json& j, const char* key) {
  if (j.contains(key) && j[key].is_number()) return j[key].get<double>();
  return std::nullopt;
}
std::string str(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}
int32_t int32(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number_integer()) return 0;
  const auto v = j[key].get<int64_t>();
  return v < INT32_MIN || v > INT32_MAX ? 0 : static_cast<int32_t>(v);
}
bool boolean(const json& j, const char* key) {
  return j.contains(key) && j[key].is_boolean() && j[key].get<bool>();
}
}  // namespace

json toJson(const RolloutRecord& r) {
  json steps = json::array(), metrics = json::array(), hooks = json::array(), events = json::array();
  for (const auto& s : r.steps) {
    steps.push_back({{"time", s.time},
                     {"phase", s.phase},
                     {"canaryWeight", s.canaryWeight},
                     {"iterations", s.iterations},
                     {"failedChecks", s.failedChecks}});
  }
  for (const auto& m : r.metrics) {
    json j{{"time", m.time}, {"name", m.name}, {"ok", m.ok}};
    optional(j, "value", m.value);
    if (!m.error.empty()) j["error"] = m.error;
    if (m.min || m.max) {
      json range = json::object();
      optional(range, "min", m.min);
      optional(range, "max", m.max);
      j["thresholdRange"] = range;
    }
    metrics.push_back(j);
  }
  for (const auto& w : r.webhooks) {
    json j{{"time", w.time}, {"name", w.name}, {"type", w.type}, {"phase", w.phase}, {"ok", w.ok}};
    if (!w.error.empty()) j["error"] = w.error;
    hooks.push_back(j);
  }
  for (const auto& e : r.events) events.push_back({{"time", e.time}, {"type", e.type}, {"message", e.message}});
  json out{{"revision", r.revision}, {"start", r.start},   {"end", r.end},
           {"verdict", r.verdict},   {"reason", r.reason}, {"steps", steps},
           {"metrics", metrics},     {"webhooks", hooks},  {"events", events}};
  if (!r.resumed.empty()) out["resumed"] = r.resumed;  // only when a restart happened
  return out;
}

RolloutRecord recordFromJson(const json& j) {
  RolloutRecord r;
  if (!j.is_object()) return r;
  r.revision = str(j, "revision");
  r.start = str(j, "start");
  r.end = str(j, "end");
  r.verdict = str(j, "verdict");
  r.reason = str(j, "reason");
  auto arr = [&](const char* key) { return j.contains(key) && j[key].is_array() ? j[key] : json::array(); };
  for (const auto& s : arr("steps")) {
    r.steps.push_back(
        {str(s, "time"), str(s, "phase"), int32(s, "canaryWeight"), int32(s, "iterations"), int32(s, "failedChecks")});
  }
  for (const auto& m : arr("metrics")) {
    MetricRecord x;
    x.time = str(m, "time");
    x.name = str(m, "name");
    x.value = optDouble(m, "value");
    x.error = str(m, "error");
    if (m.contains("thresholdRange") && m["thresholdRange"].is_object()) {
      x.min = optDouble(m["thresholdRange"], "min");
      x.max = optDouble(m["thresholdRange"], "max");
    }
    x.ok = boolean(m, "ok");
    r.metrics.push_back(x);
  }
  for (const auto& w : arr("webhooks")) {
    r.webhooks.push_back(
        {str(w, "time"), str(w, "name"), str(w, "type"), str(w, "phase"), boolean(w, "ok"), str(w, "error")});
  }
  for (const auto& e : arr("events")) r.events.push_back({str(e, "time"), str(e, "type"), str(e, "message")});
  for (const auto& t : arr("resumed")) {
    if (t.is_string()) r.resumed.push_back(t.get<std::string>());
  }
  return r;
}

}  // namespace aviary::controller
