#include "cli/history_view.h"

#include <fmt/format.h>

#include "cli/status_view.h"

namespace aviary::cli {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string threshold(const json& m) {
  if (!m.contains("thresholdRange")) return "-";
  const auto& r = m["thresholdRange"];
  const bool min = r.contains("min"), max = r.contains("max");
  if (min && max)
    return fmt::format("{} .. {}", formatNumber(r["min"].get<double>()), formatNumber(r["max"].get<double>()));
  if (min) return ">= " + formatNumber(r["min"].get<double>());
  if (max) return "<= " + formatNumber(r["max"].get<double>());
  return "-";
}

std::string indent(const std::string& block) {
  std::string out;
  size_t start = 0;
  while (start < block.size()) {
    const size_t nl = block.find('\n', start);
    out += "  " + block.substr(start, nl - start) + "\n";
    start = nl == std::string::npos ? block.size() : nl + 1;
  }
  return out;
}

}  // namespace

std::string renderHistory(const json& history, const std::string& name, const std::string& ns) {
  const json items = history.contains("items") && history["items"].is_array() ? history["items"] : json::array();
  if (items.empty()) return fmt::format("No finished rollouts of {}.{} yet.\n", name, ns);
  std::string out = fmt::format("Rollout history of {}.{}: {} finished, newest first\n", name, ns, items.size());
  for (size_t i = items.size(); i-- > 0;) {
    const json& r = items[i];
    out += fmt::format("\n#{}  {}  revision {}\n", i + 1, str(r, "verdict"), str(r, "revision"));
    out += fmt::format("  Started:  {}\n  Ended:    {}\n  Reason:   {}\n", str(r, "start"), str(r, "end"),
                       str(r, "reason"));
    std::string resumed;
    for (const auto& t : r.value("resumed", json::array())) {
      if (t.is_string()) resumed += (resumed.empty() ? "" : ", ") + t.get<std::string>();
    }
    if (!resumed.empty()) {
      out += "  Resumed:  " + resumed + " (the controller restarted: ticks after the checkpoint before are not recorded)\n";
    }
    std::vector<std::vector<std::string>> steps{{"TIME", "PHASE", "WEIGHT", "ITERATIONS", "FAILED CHECKS"}};
    for (const auto& s : r.value("steps", json::array())) {
      steps.push_back({str(s, "time"), str(s, "phase"), std::to_string(s.value("canaryWeight", 0)),
                       std::to_string(s.value("iterations", 0)), std::to_string(s.value("failedChecks", 0))});
    }
    out += "  Steps:\n" + indent(indent(renderColumns(steps)));
    const json metrics = r.value("metrics", json::array());
    if (!metrics.empty()) {
      std::vector<std::vector<std::string>> rows{{"TIME", "METRIC", "VALUE", "THRESHOLD", "RESULT"}};
      for (const auto& m : metrics) {
        const std::string value =
            m.contains("value") && m["value"].is_number() ? formatNumber(m["value"].get<double>()) : str(m, "error");
        rows.push_back({str(m, "time"), str(m, "name"), value, threshold(m), m.value("ok", false) ? "ok" : "FAILED"});
      }
      out += "  Metrics:\n" + indent(indent(renderColumns(rows)));
    }
    const json hooks = r.value("webhooks", json::array());
    if (!hooks.empty()) {
      std::vector<std::vector<std::string>> rows{{"TIME", "WEBHOOK", "TYPE", "RESULT"}};
      for (const auto& w : hooks) {
        rows.push_back({str(w, "time"), str(w, "name"), str(w, "type"),
                        w.value("ok", false) ? "ok" : "failed: " + str(w, "error")});
      }
      out += "  Webhooks:\n" + indent(indent(renderColumns(rows)));
    }
  }
  return out;
}

}  // namespace aviary::cli
