#pragma once
// Who may use the proxy's admin API. Three checks, in this order (docs/proxy.md "Threat model"):
//  - Host (and Origin, when sent) must name the address the admin API listens on (or
//    admin.allowedHosts): a web page that rebinds its own DNS name to 127.0.0.1 sends its own
//    name as Host, and a cross-site request carries its page's Origin, so both are refused (403).
//  - When a token is set, "Authorization: Bearer <token>" (scheme case-insensitive) is required
//    (401 otherwise).
// Methods are the handler's business (admin.cpp answers 405 for anything undocumented).
#include <optional>
#include <string>
#include <string_view>

#include "common/http_server.h"
#include "common/result.h"
#include "proxy/config.h"

namespace aviary::proxy {

class AdminGuard {
 public:
  // `token` empty: no token needed (checkAdminExposure allows that only on loopback).
  AdminGuard(const AdminConfig& admin, std::string token);

  // nullopt when the request may go on; else the answer to give instead.
  std::optional<http::ServerResponse> check(const http::ServerRequest& req) const;

  // A Host header value ("name", "name:port", "[v6]:port") names this admin API.
  bool hostAllowed(std::string_view host) const;
  // An Origin header value ("http://name[:port]") names this admin API.
  bool originAllowed(std::string_view origin) const;
  // The token of an "Authorization: Bearer <token>" value (scheme case-insensitive), or nullopt.
  static std::optional<std::string_view> bearerToken(std::string_view authorization);

 private:
  bool nameAllowed(std::string_view name) const;

  std::string address_;  // as bound, canonical form
  bool loopback_ = false;
  bool wildcard_ = false;  // 0.0.0.0 or ::
  std::vector<std::string> allowedHosts_;
  std::string token_;
};

// The admin token: admin.token when set; else admin.tokenFile's content (trimmed); else, when
// that file does not exist, a new random token (256 bits, hex) written to it with mode 0600.
// "" when neither is configured. Errors (Io, path admin.tokenFile): unreadable, empty or
// uncreatable file.
Result<std::string> resolveAdminToken(const AdminConfig& admin);

}  // namespace aviary::proxy
