#include "loadtester/proxy_env.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace aviary::loadtester {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

const char* firstSet(const EnvLookup& env, const char* a, const char* b) {
  const char* v = env(a);
  if (v != nullptr && *v != '\0') return v;
  v = env(b);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

bool loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0 ||
         (host.size() > 10 && host.compare(host.size() - 10, 10, ".localhost") == 0);
}

// One no_proxy entry against the request's host and port.
bool excluded(std::string entry, const std::string& host, uint16_t port) {
  entry.erase(0, entry.find_first_not_of(" \t"));
  entry.erase(entry.find_last_not_of(" \t") + 1);
  if (entry.empty()) return false;
  if (entry == "*") return true;
  entry = lower(entry);
  if (const size_t colon = entry.rfind(':'); colon != std::string::npos && entry.find(':') == colon) {
    if (entry.substr(colon + 1) != std::to_string(port)) return false;
    entry.resize(colon);
  }
  if (entry.front() == '.') return host.size() > entry.size() && host.compare(host.size() - entry.size(), entry.size(), entry) == 0;
  return host == entry || (host.size() > entry.size() && host.compare(host.size() - entry.size(), entry.size(), entry) == 0 &&
                           host[host.size() - entry.size() - 1] == '.');
}

}  // namespace

std::string proxyFromEnvironment(std::string_view hostIn, uint16_t port, const EnvLookup& env, std::string* error) {
  const std::string host = lower(hostIn);
  const char* proxy = firstSet(env, "http_proxy", "HTTP_PROXY");
  if (proxy == nullptr || loopback(host)) return "";
  if (const char* noProxy = firstSet(env, "no_proxy", "NO_PROXY")) {
    std::stringstream entries(noProxy);
    for (std::string entry; std::getline(entries, entry, ',');) {
      if (excluded(entry, host, port)) return "";
    }
  }
  std::string value = proxy;
  if (const size_t scheme = value.find("://"); scheme != std::string::npos) {
    if (lower(value.substr(0, scheme)) != "http") {
      if (error) *error = "http_proxy: only http:// proxies are supported by the built-in hey, found \"" + value + "\"";
      return "";
    }
    value = value.substr(scheme + 3);
  }
  value = value.substr(0, value.find('/'));
  if (const size_t at = value.rfind('@'); at != std::string::npos) value = value.substr(at + 1);  // user:password@
  return value;
}

}  // namespace aviary::loadtester
