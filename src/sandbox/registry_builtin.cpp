// The built-in resource types of the sandbox: what Aviary's Kubernetes platform reads and writes
// (Deployments, DaemonSets, Services, HPAs, ConfigMaps, Secrets, Events, Leases, CRDs) plus what
// `kubectl describe` lists alongside them (ReplicaSets, Pods; served, never populated) and what the
// controller's own manifests hold (ServiceAccounts, RBAC roles and bindings: stored, not enforced),
// so that `kubectl apply -k deploy/kubernetes` works against the sandbox.
#include "sandbox/registry.h"

#include <tuple>

namespace aviary::sandbox {

namespace {

PrinterColumn col(std::string name, std::string jsonPath, std::string type = "string", int priority = 0) {
  PrinterColumn c;
  c.name = std::move(name);
  c.jsonPath = std::move(jsonPath);
  c.type = std::move(type);
  c.priority = priority;
  return c;
}

// Columns whose jsonPath is empty are computed by table.cpp (by kind and column name).
PrinterColumn age() { return col("Age", "", "date"); }

ResourceType make(std::string group, std::string version, std::string kind, std::string plural, bool namespaced) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.kind = std::move(kind);
  t.plural = std::move(plural);
  t.singular = t.kind;
  for (auto& c : t.singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  t.namespaced = namespaced;
  return t;
}

ResourceType hpa(const std::string& version) {
  auto t = make("autoscaling", version, "HorizontalPodAutoscaler", "horizontalpodautoscalers", true);
  t.statusSubresource = t.generation = true;
  t.shortNames = {"hpa"};
  t.categories = {"all"};
  t.columns = {col("Name", ".metadata.name"), col("Reference", ""), col("MinPods", ".spec.minReplicas", "integer"),
               col("MaxPods", ".spec.maxReplicas", "integer"), col("Replicas", ".status.currentReplicas", "integer"),
               age()};
  return t;
}

}  // namespace

std::vector<ResourceType> builtinTypes() {
  std::vector<ResourceType> out;
  auto ns = make("", "v1", "Namespace", "namespaces", false);
  ns.statusSubresource = true;
  ns.shortNames = {"ns"};
  ns.columns = {col("Name", ".metadata.name"), col("Status", ".status.phase"), age()};
  out.push_back(ns);

  auto cm = make("", "v1", "ConfigMap", "configmaps", true);
  cm.shortNames = {"cm"};
  cm.columns = {col("Name", ".metadata.name"), col("Data", "", "integer"), age()};
  out.push_back(cm);

  auto secret = make("", "v1", "Secret", "secrets", true);
  secret.columns = {col("Name", ".metadata.name"), col("Type", ".type"), col("Data", "", "integer"), age()};
  out.push_back(secret);

  auto svc = make("", "v1", "Service", "services", true);
  svc.statusSubresource = true;
  svc.shortNames = {"svc"};
  svc.categories = {"all"};
  svc.columns = {col("Name", ".metadata.name"), col("Type", ".spec.type"), col("Cluster-IP", ".spec.clusterIP"),
                 col("External-IP", ""), col("Port(s)", ""), age(), col("Selector", "", "string", 1)};
  out.push_back(svc);

  auto ev = make("", "v1", "Event", "events", true);
  ev.shortNames = {"ev"};
  ev.columns = {col("Last Seen", ".lastTimestamp"), col("Type", ".type"), col("Reason", ".reason"),
                col("Object", ""), col("Message", ".message")};
  out.push_back(ev);

  auto pod = make("", "v1", "Pod", "pods", true);
  pod.statusSubresource = true;
  pod.shortNames = {"po"};
  pod.categories = {"all"};
  pod.columns = {col("Name", ".metadata.name"), col("Status", ".status.phase"), age()};
  out.push_back(pod);

  auto deploy = make("apps", "v1", "Deployment", "deployments", true);
  deploy.statusSubresource = deploy.scaleSubresource = deploy.generation = true;
  deploy.shortNames = {"deploy"};
  deploy.categories = {"all"};
  deploy.columns = {col("Name", ".metadata.name"), col("Ready", ""),
                    col("Up-to-date", ".status.updatedReplicas", "integer"),
                    col("Available", ".status.availableReplicas", "integer"), age(),
                    col("Containers", "", "string", 1), col("Images", "", "string", 1),
                    col("Selector", "", "string", 1)};
  out.push_back(deploy);

  auto ds = make("apps", "v1", "DaemonSet", "daemonsets", true);
  ds.statusSubresource = ds.generation = true;
  ds.shortNames = {"ds"};
  ds.categories = {"all"};
  ds.columns = {col("Name", ".metadata.name"), col("Desired", ".status.desiredNumberScheduled", "integer"),
                col("Current", ".status.currentNumberScheduled", "integer"),
                col("Ready", ".status.numberReady", "integer"),
                col("Up-to-date", ".status.updatedNumberScheduled", "integer"),
                col("Available", ".status.numberAvailable", "integer"), age()};
  out.push_back(ds);

  auto rs = make("apps", "v1", "ReplicaSet", "replicasets", true);
  rs.statusSubresource = rs.generation = true;
  rs.shortNames = {"rs"};
  rs.categories = {"all"};
  out.push_back(rs);

  // autoscaling/v2 is preferred; v2beta2 serves the same objects, as Kubernetes 1.25 did.
  out.push_back(hpa("v2"));
  out.push_back(hpa("v2beta2"));

  auto lease = make("coordination.k8s.io", "v1", "Lease", "leases", true);
  lease.columns = {col("Name", ".metadata.name"), col("Holder", ".spec.holderIdentity"), age()};
  out.push_back(lease);

  auto sa = make("", "v1", "ServiceAccount", "serviceaccounts", true);
  sa.shortNames = {"sa"};
  sa.columns = {col("Name", ".metadata.name"), age()};
  out.push_back(sa);

  // RBAC objects are kept like any other; the sandbox has no authorizer that reads them.
  for (auto [kind, plural, namespaced] : {std::tuple{"ClusterRole", "clusterroles", false},
                                          std::tuple{"ClusterRoleBinding", "clusterrolebindings", false},
                                          std::tuple{"Role", "roles", true},
                                          std::tuple{"RoleBinding", "rolebindings", true}}) {
    auto t = make("rbac.authorization.k8s.io", "v1", kind, plural, namespaced);
    t.columns = {col("Name", ".metadata.name"), col("Created At", ".metadata.creationTimestamp", "date")};
    out.push_back(t);
  }

  auto crd = make("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false);
  crd.statusSubresource = crd.generation = true;
  crd.shortNames = {"crd", "crds"};
  crd.columns = {col("Name", ".metadata.name"), col("Created At", ".metadata.creationTimestamp", "date")};
  out.push_back(crd);
  return out;
}

}  // namespace aviary::sandbox
