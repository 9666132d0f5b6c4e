#include "proxy/admin_guard.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>

#include "proxy/http_parser.h"

namespace aviary::proxy {
namespace {

std::optional<boost::asio::ip::address> parseIp(std::string_view s) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(s), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return boost::asio::ip::address(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6()));
  return a;
}

// Compares without an early exit, so response time does not reveal the matching prefix.
bool tokenMatches(std::string_view given, const std::string& expected) {
  unsigned diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned>(given[i] ^ expected[i % expected.size()]);
  return diff == 0;
}

http::ServerResponse refuse(int status, std::string body) { return http::ServerResponse::text(status, std::move(body)); }

}  // namespace

AdminGuard::AdminGuard(const AdminConfig& admin, std::string token)
    : allowedHosts_(admin.allowedHosts), token_(std::move(token)) {
  if (auto ip = parseIp(admin.address)) {
    address_ = ip->to_string();
    loopback_ = ip->is_loopback();
    wildcard_ = ip->is_unspecified();
  } else {
    address_ = admin.address;
  }
}

bool AdminGuard::nameAllowed(std::string_view name) const {
  for (const auto& h : allowedHosts_) {
    if (equalsIgnoreCase(h, name)) return true;
  }
  if (equalsIgnoreCase(name, "localhost")) return loopback_ || wildcard_;
  // IP literals: never a rebinding (a page can only rebind a name), so any the socket could have
  // been reached by. With a wildcard bind that is any address of the machine.
  auto ip = parseIp(name);
  if (!ip) return false;
  return wildcard_ || ip->to_string() == address_ || (loopback_ && ip->is_loopback());
}

bool AdminGuard::hostAllowed(std::string_view host) const {
  std::string_view name = host;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(1, close - 1);
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    port = rest.empty() ? rest : rest.substr(1);
  } else if (size_t colon = host.find(':'); colon != std::string_view::npos) {
    if (host.find(':', colon + 1) != std::string_view::npos) return false;  // unbracketed IPv6
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
  }
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return !name.empty() && nameAllowed(name);
}

bool AdminGuard::originAllowed(std::string_view origin) const {
  size_t scheme = origin.rfind("http://", 0) == 0 ? 7 : origin.rfind("https://", 0) == 0 ? 8 : 0;
  if (scheme == 0) return false;  // includes "null" (sandboxed frames, file: pages)
  std::string_view host = origin.substr(scheme);
  if (!host.empty() && host.back() == '/') host.remove_suffix(1);
  return host.find('/') == std::string_view::npos && hostAllowed(host);
}

std::optional<std::string_view> AdminGuard::bearerToken(std::string_view authorization) {
  size_t sp = authorization.find_first_of(" \t");
  if (sp == std::string_view::npos || !equalsIgnoreCase(authorization.substr(0, sp), "bearer")) return std::nullopt;
  std::string_view token = authorization.substr(sp);
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

std::optional<http::ServerResponse> AdminGuard::check(const http::ServerRequest& req) const {
  auto host = req.headers.find("host");
  if (host == req.headers.end()) return refuse(400, "missing Host header\n");
  if (!hostAllowed(host->second)) {
    return refuse(403, "Host \"" + host->second +
                           "\" does not name this admin API (DNS rebinding?); use its address or add the name to "
                           "admin.allowedHosts\n");
  }
  if (auto origin = req.headers.find("origin"); origin != req.headers.end() && !originAllowed(origin->second)) {
    return refuse(403, "cross-origin request from \"" + origin->second + "\" refused\n");
  }
  if (!token_.empty()) {
    const std::string authorization = req.header("authorization");  // bearerToken views into it
    auto given = bearerToken(authorization);
    if (!given || !tokenMatches(*given, token_)) {
      auto r = refuse(401, "missing or wrong bearer token\n");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
  }
  return std::nullopt;
}

Result<std::string> resolveAdminToken(const AdminConfig& admin) {
  if (!admin.token.empty() || admin.tokenFile.empty()) return admin.token;
  const std::string& path = admin.tokenFile;
  if (int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    std::string t;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && t.size() < 65536) t.append(buf, static_cast<size_t>(n));
    ::close(fd);
    t.erase(0, t.find_first_not_of(" \t\r\n"));
    t.erase(t.find_last_not_of(" \t\r\n") + 1);
    if (t.empty()) return makeError(ErrorCode::Io, "token file \"" + path + "\" is empty", "admin.tokenFile");
    if (t.find_first_of(" \t\r\n") != std::string::npos) {
      return makeError(ErrorCode::Io, "token file \"" + path + "\" holds more than one word", "admin.tokenFile");
    }
    return t;
  }
  if (errno != ENOENT) {
    return makeError(ErrorCode::Io, "cannot read token file \"" + path + "\": " + std::strerror(errno), "admin.tokenFile");
  }
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return makeError(ErrorCode::Io, std::string("getrandom: ") + std::strerror(errno), "admin.tokenFile");
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : raw) token.append({kHex[b >> 4], kHex[b & 15]});
  // O_EXCL: never overwrite a file someone else created meanwhile; 0600: only its owner reads it.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return makeError(ErrorCode::Io, "cannot create token file \"" + path + "\": " + std::strerror(errno), "admin.tokenFile");
  }
  std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::close(fd) == 0 && ok;
  if (!ok) return makeError(ErrorCode::Io, "cannot write token file \"" + path + "\"", "admin.tokenFile");
  return token;
}

}  // namespace aviary::proxy
