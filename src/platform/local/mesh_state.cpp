// The mesh's persisted state (<stateDir>/mesh.json): written after every change so that a
// restarted controller comes back with the same ports and routes (mesh.h).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/local/mesh.h"

namespace aviary::platform::local {

using nlohmann::json;

namespace {

constexpr int kStateVersion = 1;

// Writes `text` to `path` atomically: a temporary file in the same directory, fsync, rename over
// the old one, fsync of the directory (so that the rename itself survives a crash).
Status writeAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return makeError(ErrorCode::Unavailable, "cannot write " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return makeError(ErrorCode::Unavailable, "cannot write " + tmp + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return makeError(ErrorCode::Unavailable, "cannot sync " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return makeError(ErrorCode::Unavailable, "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return okStatus();
}

}  // namespace

Status Mesh::saveState() const {
  json state = {{"version", kStateVersion}, {"meshPort", meshPort_}, {"adminPort", adminPort_}};
  json spaces = json::object();
  for (const auto& [ns, space] : namespaces_) {
    json services = json::object();
    for (const auto& [name, svc] : space.services) {
      services[name] = {{"endpoints", svc.set}, {"workload", svc.workload}, {"port", svc.port}, {"directPort", svc.directPort}};
    }
    spaces[ns] = {{"services", services}, {"routes", space.routes}};
  }
  state["namespaces"] = spaces;
  return writeAtomically(options_.stateDir + "/mesh.json", state.dump(2) + "\n");
}

Status Mesh::loadState() {
  const std::string path = options_.stateDir + "/mesh.json";
  std::ifstream in(path);
  if (!in) return okStatus();  // first start
  std::stringstream text;
  text << in.rdbuf();
  json state;
  try {
    state = json::parse(text.str());
    if (state.at("version").get<int>() != kStateVersion) {
      return makeError(ErrorCode::Invalid, path + ": unsupported state version " + state.at("version").dump());
    }
    meshPort_ = state.at("meshPort").get<uint16_t>();
    adminPort_ = state.at("adminPort").get<uint16_t>();
    for (const auto& [ns, space] : state.at("namespaces").items()) {
      Namespace& n = namespaces_[ns];
      for (const auto& [name, svc] : space.at("services").items()) {
        n.services[name] = {svc.at("endpoints").get<std::string>(), svc.at("workload").get<std::string>(),
                            svc.at("port").get<uint16_t>(), svc.at("directPort").get<uint16_t>()};
      }
      for (const auto& [apex, routes] : space.at("routes").items()) n.routes[apex] = routes;
    }
  } catch (const json::exception& e) {
    return makeError(ErrorCode::Invalid, path + ": not a mesh state file (" + std::string(e.what()) +
                                             "); move it away to start with an empty mesh");
  }
  return okStatus();
}

}  // namespace aviary::platform::local
