#include "cli/status_view.h"

#include <algorithm>
#include <ctime>
#include <vector>

#include <fmt/format.h>

namespace aviary::cli {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key, const std::string& fallback = "") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}
int64_t num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

// Parses "2026-12-06T07:00:00Z".
std::optional<Clock::TimePoint> parseTime(const std::string& s) {
  std::tm tm{};
  if (s.size() < 20 || !strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return std::nullopt;
  return Clock::TimePoint(std::chrono::seconds(timegm(&tm)));
}

std::string columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string number(double v) {
  std::string s = fmt::format("{:.2f}", v);
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

}  // namespace

std::string renderColumns(const std::vector<std::vector<std::string>>& rows) { return columns(rows); }
std::string formatNumber(double v) { return number(v); }

std::string humanDuration(std::chrono::seconds d) {
  const int64_t s = std::max<int64_t>(0, d.count());
  if (s < 120) return fmt::format("{}s", s);
  const int64_t m = s / 60;
  if (m < 10) return s % 60 == 0 ? fmt::format("{}m", m) : fmt::format("{}m{}s", m, s % 60);
  if (m < 180) return fmt::format("{}m", m);
  const int64_t h = m / 60;
  if (h < 8) return m % 60 == 0 ? fmt::format("{}h", h) : fmt::format("{}h{}m", h, m % 60);
  if (h < 48) return fmt::format("{}h", h);
  const int64_t days = h / 24;
  if (days < 8) return h % 24 == 0 ? fmt::format("{}d", days) : fmt::format("{}d{}h", days, h % 24);
  return fmt::format("{}d", days);
}

std::string renderTable(const json& list, bool allNamespaces) {
  std::vector<std::vector<std::string>> rows;
  if (allNamespaces) {
    rows.push_back({"NAMESPACE", "NAME", "STATUS", "WEIGHT", "LASTTRANSITIONTIME"});
  } else {
    rows.push_back({"NAME", "STATUS", "WEIGHT", "LASTTRANSITIONTIME"});
  }
  for (const auto& c : list.value("items", json::array())) {
    const json meta = c.value("metadata", json::object());
    const json st = c.value("status", json::object());
    std::vector<std::string> r;
    if (allNamespaces) r.push_back(str(meta, "namespace", "default"));
    r.push_back(str(meta, "name"));
    r.push_back(str(st, "phase", "<none>"));
    r.push_back(std::to_string(num(st, "canaryWeight")));
    r.push_back(str(st, "lastTransitionTime", "<none>"));
    rows.push_back(std::move(r));
  }
  if (rows.size() == 1) return "No canaries found.\n";
  return columns(rows);
}

std::string renderDescribe(const json& c, const json& events, const json& analysis, Clock::TimePoint now) {
  const json meta = c.value("metadata", json::object());
  const json spec = c.value("spec", json::object());
  const json st = c.value("status", json::object());
  const json target = spec.value("targetRef", json::object());
  const int64_t weight = num(st, "canaryWeight");
  std::string out;
  out += fmt::format("Name:         {}\n", str(meta, "name"));
  out += fmt::format("Namespace:    {}\n", str(meta, "namespace", "default"));
  out += fmt::format("Target:       {} {}\n", str(target, "kind"), str(target, "name"));
  out += fmt::format("Phase:        {}\n", str(st, "phase", "<none>"));
  out += fmt::format("Weights:      primary {}%, canary {}%\n", 100 - weight, weight);
  const json a = spec.value("analysis", json::object());
  out += fmt::format("Checks:       failed {} of threshold {}; iterations {}\n", num(st, "failedChecks"),
                     a.contains("threshold") ? std::to_string(num(a, "threshold")) : std::string("1"),
                     num(st, "iterations"));
  const std::string ltt = str(st, "lastTransitionTime");
  const auto lt = parseTime(ltt);
  out += fmt::format("Last change:  {}{}\n", ltt.empty() ? "<none>" : ltt,
                     lt ? " (" + humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *lt)) + " ago)" : "");
  for (const auto& cond : st.value("conditions", json::array())) {
    out += fmt::format("Condition:    {}={} ({}): {}\n", str(cond, "type"), str(cond, "status"), str(cond, "reason"),
                       str(cond, "message"));
  }
  const json metrics = analysis.value("metrics", json::array());
  if (!metrics.empty()) {
    std::vector<std::vector<std::string>> rows{{"  METRIC", "LAST VALUE", "THRESHOLD", "VERDICT", "READ"}};
    for (const auto& m : metrics) {
      std::string threshold = "-";
      bool ok = true;
      const bool has = m.contains("value") && m["value"].is_number();
      const double v = has ? m["value"].get<double>() : 0;
      if (m.contains("thresholdRange")) {
        const json r = m["thresholdRange"];
        std::vector<std::string> parts;
        if (r.contains("min")) {
          parts.push_back(">= " + number(r["min"].get<double>()));
          ok = ok && (!has || v >= r["min"].get<double>());
        }
        if (r.contains("max")) {
          parts.push_back("<= " + number(r["max"].get<double>()));
          ok = ok && (!has || v <= r["max"].get<double>());
        }
        threshold.clear();
        for (const auto& p : parts) threshold += (threshold.empty() ? "" : " and ") + p;
      } else if (m.contains("threshold")) {
        threshold = "threshold " + number(m["threshold"].get<double>());
      }
      const auto t = parseTime(str(m, "time"));
      rows.push_back({"  " + str(m, "name"), has ? number(v) : "<none>", threshold, has ? (ok ? "pass" : "FAIL") : "-",
                      t ? humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t)) + " ago" : "-"});
    }
    out += "Metrics:\n" + columns(rows);
  }
  const json items = events.value("items", json::array());
  out += "Events:\n";
  if (items.empty()) return out + "  <none>\n";
  std::vector<std::vector<std::string>> rows{{"  Type", "Reason", "Age", "Message"}};
  for (const auto& e : items) {
    const auto t = parseTime(str(e, "time"));
    rows.push_back({"  " + str(e, "type"), str(e, "reason", "Synced"),
                    t ? humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t)) : "-",
                    str(e, "message")});
  }
  return out + columns(rows);
}

}  // namespace aviary::cli
