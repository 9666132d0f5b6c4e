#include "cli/replicas_view.h"

#include <fmt/format.h>

namespace aviary::cli {

using nlohmann::json;

std::string renderReplicas(const json& canary, const json& replicaSets, const json& hpas) {
  const std::string ns = canary["metadata"].value("namespace", "default");
  const std::string target = canary["spec"]["targetRef"].value("name", "");
  std::string out;
  for (const auto& [label, set] :
       {std::pair<std::string, std::string>{"Primary", target + "-primary"}, {"Canary", target}}) {
    const json* found = nullptr;
    if (replicaSets.contains("items"))
      for (const auto& s : replicaSets["items"])
        if (s.value("namespace", "") == ns && s.value("name", "") == set) found = &s;
    if (!found) continue;
    out += fmt::format("  {:<9} {:<20} {} desired, {} ready", label + ":", set, found->value("desired", 0),
                       found->value("ready", 0));
    if (hpas.is_object() && hpas.contains("items")) {
      for (const auto& h : hpas["items"]) {
        if (h["metadata"].value("namespace", "") != ns || h["spec"]["scaleTargetRef"].value("name", "") != set)
          continue;
        out += fmt::format("   HPA {} ({}-{})", h["metadata"].value("name", ""), h["spec"].value("minReplicas", 0),
                           h["spec"].value("maxReplicas", 0));
        for (const auto& m : h["status"].value("currentMetrics", json::array())) {
          out += m.contains("value") ? fmt::format(" {} {:.1f}/{:g}", m.value("name", ""), m["value"].get<double>(),
                                                   m.value("target", 0.0))
                                     : fmt::format(" {} -", m.value("name", ""));
        }
      }
    }
    out += "\n";
  }
  return out.empty() ? out : "Replicas:\n" + out;
}

}  // namespace aviary::cli
