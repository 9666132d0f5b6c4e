#include "sandbox/registry.h"

#include <algorithm>

namespace aviary::sandbox {

using nlohmann::json;

namespace {

json resourceEntry(const ResourceType& t) {
  json r = {{"name", t.plural}, {"singularName", t.singular}, {"namespaced", t.namespaced}, {"kind", t.kind},
            {"verbs", {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}}};
  if (!t.shortNames.empty()) r["shortNames"] = t.shortNames;
  if (!t.categories.empty()) r["categories"] = t.categories;
  return r;
}

json subresourceEntry(const ResourceType& t, const std::string& sub, const std::string& kind) {
  return {{"name", t.plural + "/" + sub},
          {"singularName", ""},
          {"namespaced", t.namespaced},
          {"kind", kind},
          {"verbs", {"get", "patch", "update"}}};
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Registry::Registry() {
  for (auto& t : builtinTypes()) addLocked(std::move(t));
}

void Registry::addLocked(ResourceType t) {
  auto same = [&](const ResourceType& o) {
    return o.group == t.group && o.version == t.version && o.plural == t.plural;
  };
  auto it = std::find_if(types_.begin(), types_.end(), same);
  if (it != types_.end()) {
    *it = std::move(t);
  } else {
    types_.push_back(std::move(t));
  }
}

std::optional<ResourceType> Registry::find(const std::string& group, const std::string& version,
                                           const std::string& plural) const {
  std::lock_guard lock(mu_);
  for (const auto& t : types_) {
    if (t.group == group && t.version == version && t.plural == plural) return t;
  }
  return std::nullopt;
}

std::vector<ResourceType> Registry::all() const {
  std::lock_guard lock(mu_);
  return types_;
}

std::optional<std::string> Registry::addCrd(const json& crd) {
  const json& spec = crd.value("spec", json::object());
  const json& names = spec.value("names", json::object());
  std::string group = str(spec, "group");
  std::string plural = str(names, "plural");
  std::string kind = str(names, "kind");
  if (group.empty()) return "spec.group: expected a group name, found none";
  if (plural.empty() || kind.empty()) return "spec.names: expected plural and kind, found none";
  std::string name = str(crd.value("metadata", json::object()), "name");
  if (name != plural + "." + group) {
    return "metadata.name: expected \"" + plural + "." + group + "\" (spec.names.plural + \".\" + spec.group), found \"" +
           name + "\"";
  }
  std::vector<ResourceType> add;
  for (const auto& v : spec.value("versions", json::array())) {
    if (!v.is_object() || !v.value("served", false)) continue;
    ResourceType t;
    t.group = group;
    t.version = str(v, "name");
    t.kind = kind;
    t.plural = plural;
    t.singular = str(names, "singular");
    if (t.singular.empty()) {
      t.singular = kind;
      for (auto& c : t.singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    t.namespaced = str(spec, "scope") != "Cluster";
    const json& subs = v.value("subresources", json::object());
    t.statusSubresource = subs.contains("status");
    t.scaleSubresource = subs.contains("scale");
    t.generation = true;
    if (names.contains("shortNames") && names["shortNames"].is_array()) {
      for (const auto& s : names["shortNames"]) {
        if (s.is_string()) t.shortNames.push_back(s);
      }
    }
    if (names.contains("categories") && names["categories"].is_array()) {
      for (const auto& s : names["categories"]) {
        if (s.is_string()) t.categories.push_back(s);
      }
    }
    // A CRD's table: Name, its additionalPrinterColumns, and Age unless it lists one itself.
    t.columns.push_back(PrinterColumn{"Name", "string", ".metadata.name", "", 0});
    bool hasAge = false;
    for (const auto& c : v.value("additionalPrinterColumns", json::array())) {
      if (!c.is_object()) continue;
      PrinterColumn pc{str(c, "name"), str(c, "type"), str(c, "jsonPath"), str(c, "description"),
                       c.value("priority", 0)};
      if (pc.type.empty()) pc.type = "string";
      hasAge = hasAge || pc.name == "Age";
      t.columns.push_back(pc);
    }
    if (!hasAge) t.columns.push_back(PrinterColumn{"Age", "date", ".metadata.creationTimestamp", "", 0});
    t.crdName = name;
    if (t.version.empty()) return "spec.versions[].name: expected a version name, found none";
    add.push_back(std::move(t));
  }
  if (add.empty()) return "spec.versions: expected at least one served version, found none";
  std::lock_guard lock(mu_);
  types_.erase(std::remove_if(types_.begin(), types_.end(), [&](const ResourceType& t) { return t.crdName == name; }),
               types_.end());
  for (auto& t : add) addLocked(std::move(t));
  return std::nullopt;
}

std::vector<ResourceType> Registry::removeCrd(const std::string& crdName) {
  std::lock_guard lock(mu_);
  std::vector<ResourceType> removed;
  for (auto it = types_.begin(); it != types_.end();) {
    if (!crdName.empty() && it->crdName == crdName) {
      removed.push_back(*it);
      it = types_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

json Registry::coreVersions() const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", ""}}})}};
}

json Registry::groupList() const {
  std::lock_guard lock(mu_);
  json groups = json::array();
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> versions;
  for (const auto& t : types_) {
    if (t.group.empty()) continue;
    auto& vs = versions[t.group];
    if (vs.empty()) order.push_back(t.group);
    if (std::find(vs.begin(), vs.end(), t.version) == vs.end()) vs.push_back(t.version);
  }
  for (const auto& g : order) {
    json vlist = json::array();
    for (const auto& v : versions[g]) vlist.push_back({{"groupVersion", g + "/" + v}, {"version", v}});
    groups.push_back({{"name", g}, {"versions", vlist}, {"preferredVersion", vlist[0]}});
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> Registry::group(const std::string& group) const {
  json list = groupList();
  for (auto& g : list["groups"]) {
    if (g["name"] == group) {
      g["kind"] = "APIGroup";
      g["apiVersion"] = "v1";
      return g;
    }
  }
  return std::nullopt;
}

std::optional<json> Registry::resourceList(const std::string& group, const std::string& version) const {
  std::lock_guard lock(mu_);
  json resources = json::array();
  bool any = false;
  for (const auto& t : types_) {
    if (t.group != group || t.version != version) continue;
    any = true;
    resources.push_back(resourceEntry(t));
    if (t.statusSubresource) resources.push_back(subresourceEntry(t, "status", t.kind));
    if (t.scaleSubresource) resources.push_back(subresourceEntry(t, "scale", "Scale"));
  }
  if (!any) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", resources}};
}

}  // namespace aviary::sandbox
