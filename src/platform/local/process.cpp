// System calls of the supervisor. posix_spawn rather than fork+exec: it reports exec failures
// (ENOENT, EACCES) to the caller synchronously, and it does not copy the parent's address space
// from a multithreaded process.
#include "platform/local/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace aviary::platform::local::detail {
namespace {

namespace fs = std::filesystem;

std::string errnoText(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// posix_spawn's C-style arrays over the request's strings (which must outlive them).
std::vector<char*> cArray(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<pid_t> spawn(const SpawnRequest& r) {
  if (!r.workingDir.empty()) {
    std::error_code ec;
    if (!fs::is_directory(r.workingDir, ec))
      return makeError(ErrorCode::Unavailable, "chdir " + r.workingDir + ": no such directory");
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, r.logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!r.workingDir.empty()) posix_spawn_file_actions_addchdir_np(&actions, r.workingDir.c_str());
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t mask, defaults;
  sigemptyset(&mask);
  sigfillset(&defaults);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  auto argv = cArray(r.argv);
  auto envp = cArray(r.environment);
  pid_t pid = 0;
  const bool bare = r.executable.find('/') == std::string::npos;
  int rc = bare ? posix_spawnp(&pid, r.executable.c_str(), &actions, &attr, argv.data(), envp.data())
                : posix_spawn(&pid, r.executable.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc == 0) return pid;
  if (bare && rc == ENOENT)
    return makeError(ErrorCode::Unavailable, "exec: \"" + r.executable + "\": executable file not found in $PATH");
  return makeError(ErrorCode::Unavailable, "fork/exec " + r.executable + ": " + errnoText(rc));
}

std::optional<uint64_t> processStartTime(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return std::nullopt;
  if (stat[close + 2] == 'Z' || stat[close + 2] == 'X') return std::nullopt;
  size_t pos = close + 2;  // field 3 (state)
  for (int field = 3; field < 22; ++field) {
    pos = stat.find(' ', pos);
    if (pos == std::string::npos) return std::nullopt;
    ++pos;
  }
  return std::strtoull(stat.c_str() + pos, nullptr, 10);
}

void signalGroup(pid_t pgid, int sig) {
  if (pgid > 1) ::kill(-pgid, sig);
}

Result<uint16_t> pickFreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return makeError(ErrorCode::Io, "socket: " + errnoText(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int err = errno;
    ::close(fd);
    return makeError(ErrorCode::Io, "cannot pick a free port on 127.0.0.1: " + errnoText(err));
  }
  ::close(fd);
  return static_cast<uint16_t>(ntohs(addr.sin_port));
}

std::string lastLine(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = size > 4096 ? size - 4096 : 0;
  in.seekg(from);
  std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r' || tail.back() == ' ')) tail.pop_back();
  size_t nl = tail.rfind('\n');
  std::string line = nl == std::string::npos ? tail : tail.substr(nl + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

bool rotateIfLarger(const std::string& path, uint64_t maxBytes, int keep) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size <= maxBytes || keep < 1) return false;
  for (int k = keep; k >= 2; --k)
    fs::rename(path + "." + std::to_string(k - 1), path + "." + std::to_string(k), ec);  // missing ones: ignored
  fs::copy_file(path, path + ".1", fs::copy_options::overwrite_existing, ec);
  if (ec) return false;
  // Truncate in place: the writer's descriptor (O_APPEND) goes on writing at the new end.
  return ::truncate(path.c_str(), 0) == 0;
}

Status writeFileAtomic(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(ErrorCode::Io, "cannot write " + tmp + ": " + errnoText(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return makeError(ErrorCode::Io, "cannot write " + tmp + ": " + errnoText(err));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int syncErr = errno;
  if (::close(fd) != 0 || !synced) return makeError(ErrorCode::Io, "cannot sync " + tmp + ": " + errnoText(synced ? errno : syncErr));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return makeError(ErrorCode::Io, "cannot rename " + tmp + " to " + path + ": " + errnoText(errno));
  std::string dir = fs::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return okStatus();
}

}  // namespace aviary::platform::local::detail
