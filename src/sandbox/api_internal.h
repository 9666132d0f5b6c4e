#pragma once
// Internal to the sandbox API server: the implementation class shared by api_server.cpp
// (routing, discovery), api_handlers.cpp (CRUD) and api_watch.cpp (watch streams).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/http_server.h"
#include "sandbox/api_server.h"
#include "sandbox/kubelet.h"
#include "sandbox/selector.h"
#include "sandbox/table.h"

namespace aviary::sandbox {

// A request for a resource, parsed from its path.
struct ResourceRequest {
  ResourceType type;
  std::string ns;           // "" for cluster-scoped types or all namespaces
  std::string name;         // "" for collections
  std::string subresource;  // "", "status"
};

// A Kubernetes Status response (kind Status) for an error.
http::ServerResponse statusResponse(int code, const std::string& reason, const std::string& message);
// The HTTP status and Status reason of a store or decoding error.
http::ServerResponse errorResponse(const Error& e);
http::ServerResponse jsonResponse(int code, const Json& body);
// A boolean query parameter as Go's strconv.ParseBool reads it ("1", "t", "true", "True", …).
bool parseBool(const std::string& value);

class ApiServerImpl final : public ApiServer {
 public:
  ApiServerImpl(ApiServerOptions options, const Clock& clock, Random& random);
  ~ApiServerImpl() override { stop(); }
  Status listen();

  std::string url() const override { return http_->url(); }
  uint16_t port() const override { return http_->port(); }
  std::string caCertPem() const override { return caPem_; }
  Store& store() override { return store_; }
  Registry& registry() override { return registry_; }
  void stop() override;
  void holdUnready(const std::string& ns, const std::string& name, bool hold) override {
    if (kubelet_) kubelet_->holdUnready(ns, name, hold);
  }
  bool kubeletIdle() const override { return !kubelet_ || kubelet_->idle(); }
  void pauseKubelet(bool paused) override {
    if (kubelet_) kubelet_->pause(paused);
  }
  bool waitForWatches(size_t n, std::chrono::milliseconds timeout) override;

 private:
  http::ServerResponse handle(const http::ServerRequest& req);
  http::ServerResponse route(const http::ServerRequest& req);
  http::ServerResponse version() const;
  http::ServerResponse openApi(const std::vector<std::string>& parts);

  // api_handlers.cpp
  http::ServerResponse getOne(const ResourceRequest& r, const http::ServerRequest& req);
  http::ServerResponse list(const ResourceRequest& r, const http::ServerRequest& req);
  http::ServerResponse create(const ResourceRequest& r, const http::ServerRequest& req);
  http::ServerResponse replace(const ResourceRequest& r, const http::ServerRequest& req);
  http::ServerResponse patch(const ResourceRequest& r, const http::ServerRequest& req);
  http::ServerResponse remove(const ResourceRequest& r, const http::ServerRequest& req);
  // Keeps the registry in step with CRD objects (after a CRD write or deletion).
  void crdWritten(const Json& crd);
  void crdDeleted(const std::string& name);
  // The object as the requested version shows it (autoscaling/v2 vs v2beta2 share their objects).
  Json asVersion(const ResourceType& t, Json o) const;
  http::ServerResponse objectResponse(int code, const ResourceRequest& r, const http::ServerRequest& req,
                                      const Json& o) const;

  // api_watch.cpp
  http::ServerResponse watch(const ResourceRequest& r, const http::ServerRequest& req, const Selector& labels,
                             const Selector& fields);

  ApiServerOptions options_;
  const Clock& clock_;
  Store store_;
  Registry registry_;
  std::unique_ptr<Kubelet> kubelet_;
  std::unique_ptr<http::HttpServer> http_;
  std::string caPem_;
  std::atomic<bool> stopped_{false};
  // persistence.cpp: the state file (ApiServerOptions::stateFile).
  Status loadState();
  Status saveState();
  void saveLoop();
  std::thread saver_;
  std::mutex saverMu_;
  std::condition_variable saverCv_;
  uint64_t savedRv_ = 0;
  std::mutex watchMu_;
  std::condition_variable watchCv_;
  size_t openWatches_ = 0;
};

}  // namespace aviary::sandbox
