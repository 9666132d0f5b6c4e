#pragma once
// Helpers for the local mesh's tests: a temporary state directory, a mesh started on it, and
// requests through the mesh listener (absolute form, as an http_proxy client sends them).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "../../proxy/proxy_fixture.h"
#include "platform/local/mesh.h"

namespace aviary::platform::local::testing {

using proxy::testing::Backend;
using proxy::testing::bodyOf;
using proxy::testing::RawClient;
using proxy::testing::statusOf;

// A fresh directory under $TMPDIR, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "aviary-mesh-XXXXXX").string();
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<Mesh> startMesh(const std::string& stateDir, uint32_t workers = 1) {
  MeshOptions o;
  o.stateDir = stateDir;
  o.workers = workers;
  auto m = Mesh::start(o);
  EXPECT_TRUE(m.ok()) << m.error().format();
  return m.ok() ? std::move(m.value()) : nullptr;
}

inline proxy::Endpoint endpointOf(const Backend& b) { return {"127.0.0.1", b.port()}; }

// One request to `url` ("http://host:port/path") through the mesh listener on `client`'s
// connection, with extra header lines ("Cookie: a=b\r\n"); returns the raw response.
inline std::string viaMesh(RawClient& client, const std::string& url, const std::string& headers = "") {
  std::string authority = url.substr(7);
  authority = authority.substr(0, authority.find('/'));
  client.send("GET " + url + " HTTP/1.1\r\nHost: " + authority + "\r\n" + headers + "\r\n");
  return client.readResponse();
}

}  // namespace aviary::platform::local::testing
