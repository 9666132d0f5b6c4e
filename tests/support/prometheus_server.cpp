#include "support/prometheus_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "common/http_client.h"

extern char** environ;

namespace aviary::testsupport {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string stripScheme(const std::string& t) {
  auto p = t.find("://");
  std::string hostPort = p == std::string::npos ? t : t.substr(p + 3);
  return hostPort.substr(0, hostPort.find('/'));
}

std::string configYaml(const PrometheusServer::Options& o, uint16_t port) {
  // Whole milliseconds: Prometheus's durations take no decimals ("0.2s" is rejected, "200ms" is not).
  long long interval = static_cast<long long>(o.scrapeInterval.count());
  std::string y = fmt::format(
      "global:\n  scrape_interval: {0}ms\n  scrape_timeout: {0}ms\n  evaluation_interval: {0}ms\n"
      "scrape_configs:\n  - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{1}']}}]\n",
      interval, port);
  if (!o.targets.empty()) {
    std::string list;
    for (const auto& t : o.targets) list += (list.empty() ? "'" : ", '") + stripScheme(t) + "'";
    y += fmt::format("  - job_name: '{}'\n    metrics_path: '{}'\n    static_configs: [{{targets: [{}]}}]\n", o.jobName,
                     o.metricsPath, list);
  }
  return y;
}

bool exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

Result<uint16_t> pickFreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return makeError(ErrorCode::Io, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return makeError(ErrorCode::Io, std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  ::close(fd);
  return static_cast<uint16_t>(ntohs(addr.sin_port));
}

Result<std::unique_ptr<PrometheusServer>> PrometheusServer::start(const Options& options) {
  for (const auto& t : options.targets) {
    if (!stripScheme(t).starts_with("127.0.0.1:")) {
      return makeError(ErrorCode::Invalid, "PrometheusServer: targets must be on 127.0.0.1, got " + t);
    }
  }
  const char* envBin = std::getenv("AVIARY_PROMETHEUS_BIN");
  std::string binary = envBin != nullptr && *envBin != '\0' ? envBin : "prometheus";
  Error last = makeError(ErrorCode::Unavailable, "prometheus did not start");
  // A free port can be taken between picking and binding it: retry a few times.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<PrometheusServer> srv(new PrometheusServer());
    char tmpl[] = "/tmp/aviary-prometheus-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return makeError(ErrorCode::Io, std::string("mkdtemp: ") + std::strerror(errno));
    srv->dir_ = tmpl;
    auto port = pickFreeLoopbackPort();
    if (!port.ok()) return port.error();
    srv->port_ = *port;
    std::string config = srv->dir_ + "/prometheus.yml";
    std::ofstream(config) << configYaml(options, srv->port_);
    std::string log = srv->dir_ + "/prometheus.log";

    srv->tls_ = !options.tlsCertPem.empty() && !options.tlsKeyPem.empty();
    srv->clientUser_ = options.clientUser;
    srv->clientPassword_ = options.clientPassword;
    std::vector<std::string> args = {binary,
                                     "--config.file=" + config,
                                     "--storage.tsdb.path=" + srv->dir_ + "/data",
                                     fmt::format("--web.listen-address=127.0.0.1:{}", srv->port_),
                                     "--storage.tsdb.retention.time=1h",
                                     "--log.level=warn"};
    if (srv->tls_ || !options.basicAuthUsers.empty()) {
      std::string web;
      if (srv->tls_) {
        std::ofstream(srv->dir_ + "/tls.crt") << options.tlsCertPem;
        std::ofstream(srv->dir_ + "/tls.key") << options.tlsKeyPem;
        web += fmt::format("tls_server_config:\n  cert_file: {0}/tls.crt\n  key_file: {0}/tls.key\n", srv->dir_);
      }
      if (!options.basicAuthUsers.empty()) {
        web += "basic_auth_users:\n";
        for (const auto& [user, hash] : options.basicAuthUsers) web += fmt::format("  {}: '{}'\n", user, hash);
      }
      std::ofstream(srv->dir_ + "/web.yml") << web;
      args.push_back("--web.config.file=" + srv->dir_ + "/web.yml");
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, binary.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      std::error_code ec;
      fs::remove_all(srv->dir_, ec);
      return makeError(ErrorCode::Unavailable,
                       fmt::format("cannot run {:?}: {} (install the Debian package `prometheus`, e.g. `make deps`, "
                                   "or set AVIARY_PROMETHEUS_BIN)",
                                   binary, std::strerror(rc)));
    }
    srv->pid_ = pid;
    // Ready = the first sample of every target is stored; without targets, the query API answers.
    size_t want = options.targets.size();
    std::string query = want == 0 ? "vector(1)" : fmt::format("count(up{{job=\"{}\"}})", options.jobName);
    auto st = srv->waitFor(query, options.readyTimeout, want == 0 ? 1.0 : static_cast<double>(want));
    if (st.ok()) return srv;
    last = st.error();
    if (srv->pid_ > 0 && !exited(srv->pid_)) return last;  // running but never ready: not a port race
    last.message += "; log: " + srv->logTail();
    srv->stop();
  }
  return last;
}

PrometheusServer::~PrometheusServer() {
  stop();
}

std::string PrometheusServer::url() const {
  return fmt::format("{}://127.0.0.1:{}", tls_ ? "https" : "http", port_);
}

std::string PrometheusServer::logTail(size_t maxBytes) const {
  std::ifstream in(dir_ + "/prometheus.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > maxBytes ? s.substr(s.size() - maxBytes) : s;
}

Status PrometheusServer::waitFor(const std::string& query, std::chrono::milliseconds timeout, double minValue) const {
  auto deadline = Clock::now() + timeout;
  std::string lastSeen = "no answer yet";
  while (Clock::now() < deadline) {
    if (pid_ > 0) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        return makeError(ErrorCode::Unavailable,
                         fmt::format("prometheus exited (status {}) before {:?} had a sample", status, query));
      }
    }
    auto v = queryValue(url(), query, QueryAuth{clientUser_, clientPassword_});
    if (v.ok() && *v >= minValue) return okStatus();
    lastSeen = v.ok() ? fmt::format("value {}", *v) : v.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return makeError(ErrorCode::Timeout, fmt::format("prometheus at {}: {:?} had no sample >= {} within {} ms (last: {})",
                                                   url(), query, minValue, timeout.count(), lastSeen));
}

void PrometheusServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    int status = 0;
    bool gone = false;
    while (Clock::now() < deadline) {
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) {
        gone = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!gone) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

Result<nlohmann::json> instantQuery(const std::string& baseUrl, const std::string& query, const QueryAuth& auth) {
  http::Request req;
  req.url = baseUrl + "/api/v1/query?query=" + http::urlEncode(query);
  req.timeout = std::chrono::seconds(5);
  req.insecureSkipVerify = true;
  req.basicUser = auth.user;
  req.basicPassword = auth.password;
  auto resp = http::perform(req);
  if (!resp.ok()) return resp.error();
  auto j = nlohmann::json::parse(resp->body, nullptr, false);
  if (j.is_discarded()) {
    return makeError(ErrorCode::Invalid,
                     fmt::format("HTTP {} from {}: not JSON: {}", resp->status, baseUrl, resp->body));
  }
  return j;
}

Result<double> queryValue(const std::string& baseUrl, const std::string& query, const QueryAuth& auth) {
  auto j = instantQuery(baseUrl, query, auth);
  if (!j.ok()) return j.error();
  const auto& body = *j;
  if (body.value("status", "") != "success") {
    return makeError(ErrorCode::Invalid, fmt::format("query {:?} failed: {}", query, body.value("error", body.dump())));
  }
  const auto& result = body["data"]["result"];
  if (!result.is_array() || result.empty()) return makeError(ErrorCode::NoValues, "no values for " + query);
  if (result.size() > 1) return makeError(ErrorCode::Invalid, fmt::format("{} series for {}", result.size(), query));
  return std::strtod(result[0]["value"][1].get<std::string>().c_str(), nullptr);
}

}  // namespace aviary::testsupport
