#include "sandbox/table.h"

#include <ctime>

namespace aviary::sandbox {

using nlohmann::json;

namespace {

std::string str(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string joined(const json& items, const char* key) {
  std::string out;
  if (!items.is_array()) return out;
  for (const auto& c : items) {
    if (!c.is_object() || !c.contains(key)) continue;
    if (!out.empty()) out += ",";
    out += str(c[key]);
  }
  return out;
}

std::string selectorText(const json& labels) {
  std::string out;
  if (!labels.is_object()) return "<none>";
  for (const auto& [k, v] : labels.items()) {
    if (!out.empty()) out += ",";
    out += k + "=" + str(v);
  }
  return out.empty() ? "<none>" : out;
}

// Cells that are not a plain JSONPath: computed as Kubernetes' own printers do.
json computedCell(const ResourceType& t, const PrinterColumn& c, const json& o, Clock::TimePoint now) {
  const json& meta = o.value("metadata", json::object());
  if (c.name == "Age") return ageSince(meta.value("creationTimestamp", ""), now);
  const json& spec = o.value("spec", json::object());
  const json& status = o.value("status", json::object());
  if (t.kind == "Deployment") {
    if (c.name == "Ready") {
      return std::to_string(status.value("readyReplicas", 0)) + "/" + std::to_string(spec.value("replicas", 1));
    }
    const json& pod = jsonPathValue(o, ".spec.template.spec.containers");
    if (c.name == "Containers") return joined(pod, "name");
    if (c.name == "Images") return joined(pod, "image");
    if (c.name == "Selector") return selectorText(jsonPathValue(o, ".spec.selector.matchLabels"));
  }
  if (t.kind == "Service") {
    if (c.name == "External-IP") return "<none>";
    if (c.name == "Selector") return selectorText(spec.value("selector", json()));
    if (c.name == "Port(s)") {
      std::string out;
      for (const auto& p : spec.value("ports", json::array())) {
        if (!out.empty()) out += ",";
        out += str(p.value("port", json())) + "/" + p.value("protocol", std::string("TCP"));
      }
      return out.empty() ? "<none>" : out;
    }
  }
  if (c.name == "Data") {
    size_t n = o.contains("data") && o["data"].is_object() ? o["data"].size() : 0;
    if (o.contains("binaryData") && o["binaryData"].is_object()) n += o["binaryData"].size();
    return n;
  }
  if (t.kind == "HorizontalPodAutoscaler" && c.name == "Reference") {
    const json& ref = spec.value("scaleTargetRef", json::object());
    return ref.value("kind", "") + "/" + ref.value("name", "");
  }
  if (t.kind == "Event" && c.name == "Object") {
    const json& ref = o.value("involvedObject", json::object());
    std::string kind = ref.value("kind", "");
    for (auto& ch : kind) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return kind + "/" + ref.value("name", "");
  }
  return nullptr;
}

}  // namespace

bool wantsTable(const std::string& accept) { return accept.find("as=Table") != std::string::npos; }

std::string ageSince(const std::string& rfc3339, Clock::TimePoint now) {
  std::tm tm{};
  if (rfc3339.empty() || !strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return "<unknown>";
  auto then = std::chrono::system_clock::from_time_t(timegm(&tm));
  long long s = std::chrono::duration_cast<std::chrono::seconds>(now - then).count();
  if (s < 0) s = 0;
  if (s < 120) return std::to_string(s) + "s";
  long long m = s / 60;
  if (m < 10) return std::to_string(m) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  if (m < 180) return std::to_string(m) + "m";
  long long h = m / 60;
  if (h < 8) return std::to_string(h) + "h" + (m % 60 ? std::to_string(m % 60) + "m" : "");
  if (h < 48) return std::to_string(h) + "h";
  return std::to_string(h / 24) + "d";
}

json jsonPathValue(const json& object, const std::string& pathIn) {
  std::string path = pathIn;
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}') path = path.substr(1, path.size() - 2);
  const json* cur = &object;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t end = path.find_first_of(".[", i);
      std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
      if (key.empty()) continue;
      if (!cur->is_object() || !cur->contains(key)) return nullptr;
      cur = &(*cur)[key];
      i = end == std::string::npos ? path.size() : end;
    } else if (path[i] == '[') {
      size_t end = path.find(']', i);
      if (end == std::string::npos) return nullptr;
      std::string idx = path.substr(i + 1, end - i - 1);
      if (idx.empty() || idx.find_first_not_of("0123456789") != std::string::npos || !cur->is_array()) return nullptr;
      size_t n = std::stoul(idx.substr(0, 9));
      if (n >= cur->size()) return nullptr;
      cur = &(*cur)[n];
      i = end + 1;
    } else {
      return nullptr;  // filters and wildcards are not supported
    }
  }
  return *cur;
}

json renderTable(const ResourceType& type, const std::vector<json>& objects, const json& listMeta,
                 IncludeObject include, Clock::TimePoint now) {
  std::vector<PrinterColumn> columns = type.columns;
  if (columns.empty()) {
    columns.push_back(PrinterColumn{"Name", "string", ".metadata.name", "", 0});
    columns.push_back(PrinterColumn{"Age", "date", "", "", 0});
  }
  json defs = json::array();
  for (const auto& c : columns) {
    json d = {{"name", c.name}, {"type", c.type == "date" ? "string" : c.type}, {"format", c.name == "Name" ? "name" : ""},
              {"description", c.description}, {"priority", c.priority}};
    defs.push_back(d);
  }
  json rows = json::array();
  for (const auto& o : objects) {
    json cells = json::array();
    for (const auto& c : columns) {
      json v = c.jsonPath.empty() ? computedCell(type, c, o, now) : jsonPathValue(o, c.jsonPath);
      if (c.type == "date" && v.is_string()) v = ageSince(v.get<std::string>(), now);
      if (v.is_object() || v.is_array()) v = v.dump();
      if (v.is_null()) v = c.type == "integer" || c.type == "number" ? json(nullptr) : json("");
      if (v.is_null() && c.type == "integer") v = 0;
      cells.push_back(v);
    }
    json row = {{"cells", cells}};
    if (include == IncludeObject::Object) {
      row["object"] = o;
    } else if (include == IncludeObject::Metadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", o.value("metadata", json::object())}};
    }
    rows.push_back(row);
  }
  return {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", listMeta},
          {"columnDefinitions", defs}, {"rows", rows}};
}

}  // namespace aviary::sandbox
