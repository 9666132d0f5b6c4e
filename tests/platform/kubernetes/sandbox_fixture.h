#pragma once
// An in-process sandbox API server with Flagger's CRDs and namespace `test`, and a client to it,
// for the Kubernetes platform's tests.
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "kube/client.h"
#include "sandbox/api_server.h"

namespace aviary::platform::kubernetes::testing {

inline kube::Json crd(const std::string& plural, const std::string& kind, bool status) {
  kube::Json version = {
      {"name", "v1beta1"},
      {"served", true},
      {"storage", true},
      {"schema", {{"openAPIV3Schema", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}};
  if (status) version["subresources"] = {{"status", kube::Json::object()}};
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", plural + ".flagger.app"}}},
          {"spec",
           {{"group", "flagger.app"},
            {"names", {{"plural", plural}, {"kind", kind}}},
            {"scope", "Namespaced"},
            {"versions", kube::Json::array({version})}}}};
}

class Sandbox {
 public:
  Sandbox() {
    sandbox::ApiServerOptions o;
    o.token = "t";
    server_ = std::move(sandbox::ApiServer::start(o, clock_, random_).value());
    kube::ClusterConfig cfg;
    cfg.server = server_->url();
    cfg.token = "t";
    client_ = std::make_unique<kube::Client>(
        cfg, kube::ClientOptions{0, 1, std::chrono::milliseconds(30000), "aviary-test", nullptr, {}});
    const kube::Resource crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
    client_->create(crds, "", crd("canaries", "Canary", true)).value();
    client_->create(crds, "", crd("metrictemplates", "MetricTemplate", false)).value();
    client_->create(crds, "", crd("alertproviders", "AlertProvider", false)).value();
    client_->create({"", "v1", "namespaces", false}, "", {{"metadata", {{"name", "test"}}}}).value();
  }
  kube::Client& client() { return *client_; }
  sandbox::ApiServer& server() { return *server_; }

 private:
  SystemClock clock_;
  SeededRandom random_{3};
  std::unique_ptr<sandbox::ApiServer> server_;
  std::unique_ptr<kube::Client> client_;
};

// Polls `pred` (a watch-fed cache or a server read) every 5 ms for up to `timeout`: these tests
// wait on another process's threads (the sandbox's kubelet, the watch streams), bounded.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

}  // namespace aviary::platform::kubernetes::testing
