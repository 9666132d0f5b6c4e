#include "cli/demo_view.h"

#include <cstdio>

#include <fmt/format.h>

namespace aviary::cli {
namespace {

std::string threshold(const api::CanaryMetric& m) {
  if (m.thresholdRange) {
    std::string s;
    if (m.thresholdRange->min) s += fmt::format(">= {:g}", *m.thresholdRange->min);
    if (m.thresholdRange->max) s += fmt::format("{}<= {:g}", s.empty() ? "" : " and ", *m.thresholdRange->max);
    return s;
  }
  return m.threshold ? fmt::format("threshold {:g}", *m.threshold) : "-";
}

bool passes(const api::CanaryMetric& m, double v) {
  if (m.thresholdRange) {
    if (m.thresholdRange->min && v < *m.thresholdRange->min) return false;
    if (m.thresholdRange->max && v > *m.thresholdRange->max) return false;
  }
  return true;
}

}  // namespace

std::string DemoView::bar(int32_t canaryWeight, int width) {
  const int canary = static_cast<int>(canaryWeight * width / 100);
  return std::string(static_cast<size_t>(width - canary), '#') + std::string(static_cast<size_t>(canary), '=');
}

void DemoView::heading(const std::string& text) {
  heading_ = text;
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

void DemoView::log(const std::string& line) {
  if (!tty_) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    return;
  }
  lines_.push_back(line);
  if (lines_.size() > 12) lines_.erase(lines_.begin());
}

void DemoView::render(const std::shared_ptr<const api::Canary>& canary, const std::map<std::string, double>& values,
                      const std::map<std::string, double>& rates, const std::vector<controller::Event>& events,
                      double elapsed) {
  if (!tty_) return;
  std::string out = "\033[H\033[2J" + heading_ + "\n\n";
  const auto st = canary ? canary->status : api::CanaryStatus{};
  out += fmt::format("podinfo.test   phase {:<16} failed checks {}   elapsed {:.0f}s\n\n", api::toString(st.phase),
                     st.failedChecks, elapsed);
  out += fmt::format("  primary {:>3}% [{}] {:>3}% canary\n\n", 100 - st.canaryWeight, bar(st.canaryWeight, 50),
                     st.canaryWeight);
  if (!replicas_.empty()) out += replicas_ + "\n";
  out += "  traffic through podinfo.test (last 5 s):";
  if (rates.empty()) out += " -";
  for (const auto& [version, rps] : rates) out += fmt::format("  {} {:.1f} req/s", version, rps);
  out += "\n\n  metrics (canary):\n";
  if (canary && canary->spec.analysis) {
    for (const auto& m : canary->spec.analysis->metrics) {
      auto it = values.find(m.name);
      out += fmt::format("    {:<22} {:>10}   {:<14} {}\n", m.name, it == values.end() ? "-" : fmt::format("{:.2f}", it->second),
                         threshold(m), it == values.end() ? "" : (passes(m, it->second) ? "pass" : "FAIL"));
    }
  }
  out += "\n  events:\n";
  const size_t from = events.size() > 10 ? events.size() - 10 : 0;
  for (size_t i = from; i < events.size(); ++i) {
    out += fmt::format("    {:<7} {}\n", controller::toString(events[i].type), events[i].message);
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
}

std::string DemoView::splitText(const Split& split) {
  std::string out;
  for (const auto& [release, weights] : split) {
    out += fmt::format("\nTraffic through podinfo.test while {} was analysed, by canary weight:\n", release);
    for (const auto& [weight, versions] : weights) {
      long all = 0;
      for (const auto& [v, n] : versions) all += n;
      const auto it = versions.find(release);
      const long mine = it == versions.end() ? 0 : it->second;
      out += fmt::format("  {} at weight {}: {:.1f}% of {} requests answered by {}\n", release, weight,
                         all ? 100.0 * mine / all : 0.0, all, release);
    }
  }
  return out;
}

void DemoView::summary(const std::vector<Step>& steps, const std::vector<std::string>& failures,
                       const std::map<std::string, long>& served, const std::vector<controller::Event>& events,
                       double seconds, bool interrupted) {
  std::string out = "\nSummary\n";
  for (const auto& s : steps) {
    const bool failed = std::find(failures.begin(), failures.end(), s.what) != failures.end();
    out += fmt::format("  {:<36} {:>6.1f} s   {}\n", s.what, s.seconds, failed ? "FAILED" : "ok");
  }
  out += "  requests served through podinfo.test:";
  for (const auto& [version, n] : served) out += fmt::format("  {} {}", version, n);
  int advances = 0, halts = 0;
  for (const auto& e : events) {
    advances += e.message.find("Advance podinfo.test canary weight") == 0;
    halts += e.message.find("Halt ") == 0;
  }
  out += fmt::format("\n  analysis: {} weight steps, {} failed checks reported\n", advances, halts);
  if (interrupted) {
    out += fmt::format("  interrupted after {:.0f} s: everything the demo started was stopped\n", seconds);
  } else if (failures.empty()) {
    out += fmt::format("  verdict: the story went as it should in {:.0f} s ({})\n", seconds, story_);
  } else {
    out += fmt::format("  verdict: FAILED at \"{}\" after {:.0f} s\n", failures.front(), seconds);
  }
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace aviary::cli
