// The sandbox's optional state file: every object and the resourceVersion counter as JSON,
// rewritten (to a temporary file, then renamed) within a second of a write and at stop, and
// loaded at start, so that a restarted sandbox keeps its objects. Watches do not survive a
// restart: the history starts empty, so a watch from before it gets 410 and relists.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sandbox/api_internal.h"

namespace aviary::sandbox {

Status ApiServerImpl::loadState() {
  if (options_.stateFile.empty()) return okStatus();
  std::ifstream in(options_.stateFile);
  if (!in) return okStatus();  // first start: nothing to load
  std::stringstream ss;
  ss << in.rdbuf();
  Json snap = Json::parse(ss.str(), nullptr, false);
  if (snap.is_discarded()) return makeError(ErrorCode::Invalid, options_.stateFile + ": expected the JSON the sandbox writes, found something else");
  if (auto st = store_.restore(snap); !st) return makeError(ErrorCode::Invalid, options_.stateFile + ": " + st.error().message);
  if (auto crdType = registry_.find("apiextensions.k8s.io", "v1", "customresourcedefinitions")) {
    for (const auto& crd : store_.list(*crdType, "", nullptr)) {
      if (auto why = registry_.addCrd(crd)) {
        return makeError(ErrorCode::Invalid, options_.stateFile + ": CRD " + crd["metadata"].value("name", "") + ": " + *why);
      }
    }
  }
  savedRv_ = store_.resourceVersion();
  return okStatus();
}

Status ApiServerImpl::saveState() {
  uint64_t rv = store_.resourceVersion();
  if (rv == savedRv_) return okStatus();
  std::string text = store_.snapshot().dump();
  std::string tmp = options_.stateFile + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return makeError(ErrorCode::Io, "cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), options_.stateFile.c_str()) != 0) {
    return makeError(ErrorCode::Io, "cannot write " + options_.stateFile + ": " + std::strerror(errno));
  }
  savedRv_ = rv;
  return okStatus();
}

void ApiServerImpl::saveLoop() {
  std::unique_lock lock(saverMu_);
  while (!stopped_) {
    saverCv_.wait_for(lock, std::chrono::seconds(1));
    if (stopped_) return;
    if (auto st = saveState(); !st) std::fprintf(stderr, "aviary sandbox: %s\n", st.error().format().c_str());
  }
}

}  // namespace aviary::sandbox
