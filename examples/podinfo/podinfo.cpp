// podinfo's endpoints over the control-plane HTTP server. The JSON shapes follow podinfo 6 (the
// fields the seed and its tutorials read); values that only make sense in a Go runtime are left
// out rather than invented.
#include "podinfo/podinfo.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http_server.h"

namespace aviary::podinfo {
namespace {

using Json = nlohmann::json;

std::string rfc3339(Clock::TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string hostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

bool parseRatio(std::string_view text, double& out) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0 || v > 1) return false;
  out = v;
  return true;
}

// Parses the non-negative decimal integer that is all of `text` (at most 9 digits).
bool parseSmallInt(std::string_view text, int& out) {
  if (text.empty() || text.size() > 9) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

class PodinfoServer final : public Server {
 public:
  PodinfoServer(const Options& o, const Clock& clock)
      : options_(o), clock_(clock), hostname_(hostName()), random_(o.seed ? *o.seed : std::random_device{}()) {
    if (options_.message.empty()) options_.message = "greetings from podinfo v" + options_.version;
  }

  Status listen() {
    auto srv = http::HttpServer::start(options_.listen, options_.port,
                                       [this](const http::ServerRequest& r) { return handle(r); });
    if (!srv.ok()) return srv.error();
    http_ = std::move(srv.value());
    return okStatus();
  }
  uint16_t port() const override { return http_->port(); }
  std::string url() const override { return http_->url(); }
  void stop() override {
    if (http_) http_->stop();
  }
  ~PodinfoServer() override { stop(); }

 private:
  static http::ServerResponse json(int status, const Json& body) {
    return http::ServerResponse::json(status, body.dump() + "\n");
  }

  // Draws the fault for one answer: 500, 404 or 0 (none). One draw per answer, under a lock, so
  // that a seeded server gives the same sequence of faults for the same sequence of requests.
  int drawFault() {
    if (options_.fault5xxRatio <= 0 && options_.fault404Ratio <= 0) return 0;
    double r = 0;
    {
      std::lock_guard lock(mu_);
      r = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
    }
    if (r < options_.fault5xxRatio) return 500;
    if (r < options_.fault5xxRatio + options_.fault404Ratio) return 404;
    return 0;
  }

  http::ServerResponse handle(const http::ServerRequest& r) {
    if (r.path == "/healthz" || r.path == "/readyz") return json(200, {{"status", "OK"}});
    const auto& skip = options_.faultSkipPaths;
    if (std::find(skip.begin(), skip.end(), r.path) != skip.end()) return route(r);
    if (options_.faultLatency.count() > 0) std::this_thread::sleep_for(options_.faultLatency);
    if (int fault = drawFault(); fault != 0)
      return json(fault, {{"code", fault}, {"message", fault == 404 ? "not found (injected fault)"
                                                                     : "internal server error (injected fault)"}});
    return route(r);
  }

  http::ServerResponse route(const http::ServerRequest& r) {
    const std::string& p = r.path;
    if (p == "/" || p.empty()) {
      return json(200, {{"hostname", hostname_},
                        {"version", options_.version},
                        {"revision", ""},
                        {"color", options_.color},
                        {"logo", "https://raw.githubusercontent.com/stefanprodan/podinfo/gh-pages/cuddle_clap.gif"},
                        {"message", options_.message},
                        {"goos", "linux"},
                        {"pid", static_cast<int64_t>(::getpid())},
                        {"num_cpu", std::to_string(std::thread::hardware_concurrency())}});
    }
    if (p == "/version") return json(200, {{"commit", ""}, {"version", options_.version}});
    if (p == "/token") {
      if (r.method != "POST") return json(405, {{"code", 405}, {"message", "method not allowed, use POST"}});
      return json(200, {{"token", newToken()}, {"expires_at", rfc3339(clock_.now() + std::chrono::minutes(1))}});
    }
    if (p.rfind("/status/", 0) == 0) {
      int code = 0;
      if (!parseSmallInt(std::string_view(p).substr(8), code) || code < 100 || code > 599)
        return json(400, {{"code", 400}, {"message", "expected a status code from 100 to 599, found \"" + p.substr(8) + "\""}});
      return json(code, {{"status", code}});
    }
    if (p.rfind("/delay/", 0) == 0) {
      int seconds = 0;
      const auto max = std::chrono::duration_cast<std::chrono::seconds>(options_.maxDelay).count();
      if (!parseSmallInt(std::string_view(p).substr(7), seconds) || seconds > max)
        return json(400, {{"code", 400},
                          {"message", "expected whole seconds from 0 to " + std::to_string(max) + ", found \"" +
                                          p.substr(7) + "\""}});
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      return json(200, {{"delay", seconds}});
    }
    return json(404, {{"code", 404}, {"message", "not found"}});
  }

  // An opaque bearer-like token (podinfo issues a JWT; nothing here verifies it).
  std::string newToken() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    std::lock_guard lock(mu_);
    for (int i = 0; i < 32; ++i) out += kHex[random_() & 15];
    return out;
  }

  Options options_;
  const Clock& clock_;
  const std::string hostname_;
  std::mutex mu_;
  std::mt19937_64 random_;
  std::unique_ptr<http::HttpServer> http_;
};

}  // namespace

Status applyEnvironment(Options& options, const std::function<const char*(const char*)>& getenv) {
  Options o = options;
  std::vector<std::string> problems;
  if (const char* v = getenv(kEnvVersion); v && *v) o.version = v;
  if (const char* v = getenv(kEnvColor); v && *v) o.color = v;
  if (const char* v = getenv(kEnvMessage); v && *v) o.message = v;
  auto ratio = [&](const char* name, double& out) {
    const char* v = getenv(name);
    if (v && *v && !parseRatio(v, out))
      problems.push_back(std::string(name) + ": expected a number in [0, 1], found \"" + v + "\"");
  };
  ratio(kEnvFault5xx, o.fault5xxRatio);
  ratio(kEnvFault404, o.fault404Ratio);
  if (const char* v = getenv(kEnvFaultLatency); v && *v) {
    auto d = parseDuration(v);
    if (!d.ok() || d.value().count() < 0)
      problems.push_back(std::string(kEnvFaultLatency) + ": expected a duration such as 500ms, found \"" + v + "\"");
    else
      o.faultLatency = d.value();
  }
  if (const char* v = getenv(kEnvFaultSkipPaths); v && *v) {
    o.faultSkipPaths.clear();
    std::string list = v;
    for (size_t start = 0; start <= list.size();) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string path = list.substr(start, comma - start);
      path.erase(0, path.find_first_not_of(" \t"));
      path.erase(path.find_last_not_of(" \t") + 1);
      if (!path.empty() && path[0] != '/')
        problems.push_back(std::string(kEnvFaultSkipPaths) + ": expected paths starting with /, found \"" + path + "\"");
      else if (!path.empty())
        o.faultSkipPaths.push_back(path);
      start = comma + 1;
    }
  }
  if (const char* v = getenv(kEnvSeed); v && *v) {
    uint64_t seed = 0;
    std::string_view s(v);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seed);
    if (ec != std::errc() || end != s.data() + s.size())
      problems.push_back(std::string(kEnvSeed) + ": expected an unsigned integer, found \"" + v + "\"");
    else
      o.seed = seed;
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    return makeError(ErrorCode::Invalid, msg);
  }
  options = std::move(o);
  return okStatus();
}

Status validateOptions(const Options& o) {
  std::vector<std::string> problems;
  auto inUnit = [](double v) { return std::isfinite(v) && v >= 0 && v <= 1; };
  if (!inUnit(o.fault5xxRatio))
    problems.push_back("--fault-5xx-ratio: expected a number in [0, 1], found " + std::to_string(o.fault5xxRatio));
  if (!inUnit(o.fault404Ratio))
    problems.push_back("--fault-404-ratio: expected a number in [0, 1], found " + std::to_string(o.fault404Ratio));
  if (inUnit(o.fault5xxRatio) && inUnit(o.fault404Ratio) && o.fault5xxRatio + o.fault404Ratio > 1.0 + 1e-9)
    problems.push_back("--fault-5xx-ratio + --fault-404-ratio: expected at most 1, found " +
                       std::to_string(o.fault5xxRatio + o.fault404Ratio));
  if (o.faultLatency.count() < 0)
    problems.push_back("--fault-latency: expected a duration of at least 0s, found " + formatDuration(o.faultLatency));
  if (o.version.empty()) problems.push_back("--version: expected a version string, found nothing");
  if (problems.empty()) return okStatus();
  std::string msg;
  for (const auto& p : problems) msg += (msg.empty() ? "" : "; ") + p;
  return makeError(ErrorCode::Invalid, msg);
}

Result<std::unique_ptr<Server>> Server::start(const Options& options, const Clock& clock) {
  if (auto s = validateOptions(options); !s.ok()) return s.error();
  auto server = std::make_unique<PodinfoServer>(options, clock);
  if (auto s = server->listen(); !s.ok()) return s.error();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace aviary::podinfo
