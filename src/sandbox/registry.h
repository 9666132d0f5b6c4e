#pragma once
// The sandbox API server's resource types: the built-in ones it serves (Deployments, Services,
// ConfigMaps...) and those that CustomResourceDefinitions add while it runs. Answers discovery
// (/api, /apis, group versions) from the same table, so what is listed is what is served.
// Thread-safe (one mutex); lookups return copies.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aviary::sandbox {

// One printer column of `kubectl get` (a CRD's additionalPrinterColumns, or a built-in's).
struct PrinterColumn {
  std::string name;
  std::string type = "string";  // string, integer, number, boolean, date
  std::string jsonPath;         // ".status.phase"; empty for the computed columns of built-ins
  std::string description;
  int priority = 0;             // 1 = only with -o wide
};

struct ResourceType {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string kind;     // "Deployment"
  std::string plural;   // "deployments"
  std::string singular;
  bool namespaced = true;
  bool statusSubresource = false;  // /status served; main writes ignore .status, status writes ignore the rest
  bool scaleSubresource = false;   // listed in discovery only
  bool generation = false;         // metadata.generation bumped on changes outside metadata and status
  std::vector<std::string> shortNames;
  std::vector<std::string> categories;
  std::vector<PrinterColumn> columns;  // empty: Name and Age only
  std::string crdName;                 // set for custom resources: the defining CRD's metadata.name

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "deployments.apps", or "configmaps" in the core group: how errors name the resource.
  std::string groupResource() const { return group.empty() ? plural : plural + "." + group; }
};

class Registry {
 public:
  // Starts with the built-in types (registry_builtin.cpp).
  Registry();

  // The type served at group/version/plural, if any.
  std::optional<ResourceType> find(const std::string& group, const std::string& version,
                                   const std::string& plural) const;
  // Every group/version with its types, in registration order, core group first.
  std::vector<ResourceType> all() const;

  // Registers (or replaces) the served versions of a CRD object (apiextensions.k8s.io/v1 JSON).
  // Returns a message when the CRD cannot be served (names missing, no served version).
  std::optional<std::string> addCrd(const nlohmann::json& crd);
  // Stops serving the types a CRD added; returns them (their objects are then deleted).
  std::vector<ResourceType> removeCrd(const std::string& crdName);

  // Discovery documents.
  nlohmann::json coreVersions() const;                 // /api
  nlohmann::json groupList() const;                    // /apis
  std::optional<nlohmann::json> group(const std::string& group) const;  // /apis/{group}
  std::optional<nlohmann::json> resourceList(const std::string& group, const std::string& version) const;

 private:
  void addLocked(ResourceType t);

  mutable std::mutex mu_;
  std::vector<ResourceType> types_;
};

// The built-in types (registry_builtin.cpp).
std::vector<ResourceType> builtinTypes();

}  // namespace aviary::sandbox
