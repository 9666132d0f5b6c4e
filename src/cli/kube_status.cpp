#include "cli/kube_status.h"

#include <algorithm>

#include "platform/kubernetes/resources.h"

namespace aviary::cli {

using nlohmann::json;

Result<json> kubeCanaries(kube::Client& client, const std::string& ns) {
  auto list = client.listAll(platform::kubernetes::kCanaries, ns);
  if (!list) return list.error();
  json items = list->value("items", json::array());
  // kubectl's order: namespace, then name.
  std::sort(items.begin(), items.end(), [](const json& a, const json& b) {
    const auto ka = std::make_pair(a["metadata"].value("namespace", ""), a["metadata"].value("name", ""));
    const auto kb = std::make_pair(b["metadata"].value("namespace", ""), b["metadata"].value("name", ""));
    return ka < kb;
  });
  return json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}};
}

namespace {
// A string field, "" when absent, null (Events' timestamps often are) or not a string.
std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
}  // namespace

json eventsFromKube(const json& eventList) {
  json items = json::array();
  const json list = eventList.contains("items") && eventList["items"].is_array() ? eventList["items"] : json::array();
  for (const auto& e : list) {
    if (!e.is_object()) continue;
    std::string time = str(e, "lastTimestamp");
    if (time.empty()) time = str(e, "eventTime");
    if (time.empty()) time = str(e, "firstTimestamp");
    const std::string type = str(e, "type");
    items.push_back({{"type", type.empty() ? "Normal" : type},
                     {"reason", str(e, "reason")},
                     {"message", str(e, "message")},
                     {"time", time}});
  }
  // RFC3339 in UTC sorts as text; stable, so that events of one second keep the server's order.
  std::stable_sort(items.begin(), items.end(), [](const json& a, const json& b) {
    return a["time"].get<std::string>() < b["time"].get<std::string>();
  });
  return json{{"items", items}};
}

Result<json> kubeCanaryEvents(kube::Client& client, const std::string& ns, const std::string& name) {
  kube::ListOptions lo;
  lo.fieldSelector = "involvedObject.kind=Canary,involvedObject.name=" + name;
  auto list = client.listAll(platform::kubernetes::kEvents, ns, lo);
  if (!list) return list.error();
  return eventsFromKube(*list);
}

json analysisFromSpec(const json& canary) {
  json metrics = json::array();
  const json a = canary.value("spec", json::object()).value("analysis", json::object());
  for (const auto& m : a.value("metrics", json::array())) {
    if (!m.is_object()) continue;
    json j{{"name", str(m, "name")}};
    if (m.contains("thresholdRange")) {
      j["thresholdRange"] = m["thresholdRange"];
    } else if (m.contains("threshold")) {
      j["threshold"] = m["threshold"];
    }
    metrics.push_back(j);
  }
  return json{{"metrics", metrics}};
}

}  // namespace aviary::cli
