#pragma once
// Small helpers shared by the session's request and response halves (header filtering and
// rewriting). Internal to src/proxy.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/config.h"
#include "proxy/http_parser.h"

namespace aviary::proxy::detail {

// A client connection's request buffer to start with: most request heads fit in one page; larger
// ones grow it (doubling), and it shrinks back after a large request. Small buffers matter at
// high connection counts (1,000 connections: RSS 48 MB with 16 KiB buffers, see benchmarks.md).
inline constexpr size_t kInitialBuffer = 4 * 1024;

inline bool isHopByHop(std::string_view name) {
  return equalsIgnoreCase(name, "connection") || equalsIgnoreCase(name, "keep-alive") ||
         equalsIgnoreCase(name, "proxy-connection") || equalsIgnoreCase(name, "te") ||
         equalsIgnoreCase(name, "upgrade") || equalsIgnoreCase(name, "expect");
}

inline bool listed(std::string_view name, const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (equalsIgnoreCase(name, n)) return true;
  }
  return false;
}

inline bool listed(std::string_view name, const std::vector<std::pair<std::string, std::string>>& pairs) {
  for (const auto& [n, v] : pairs) {
    if (equalsIgnoreCase(name, n)) return true;
  }
  return false;
}

inline bool dropped(std::string_view name, const HeaderOperations& a, const HeaderOperations* b) {
  return listed(name, a.remove) || listed(name, a.set) || (b && (listed(name, b->remove) || listed(name, b->set)));
}

inline void appendOps(std::string& out, const HeaderOperations& ops) {
  for (const auto* list : {&ops.set, &ops.add}) {
    for (const auto& [n, v] : *list) {
      out.append(n).append(": ").append(v).append("\r\n");
    }
  }
}

// Tokens of the request's Connection header(s): those headers are hop-by-hop too.
inline bool connectionListed(const char* base, const MessageHead& h, std::string_view name) {
  for (size_t i = 0; i < h.headerCount; ++i) {
    if (!equalsIgnoreCase(h.view(base, h.headers[i].name), "connection")) continue;
    std::string_view v = h.view(base, h.headers[i].value);
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view t = v.substr(0, comma);
      while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
      while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
      if (equalsIgnoreCase(t, name)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

inline const char* reasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

inline void appendStatus(std::string& out, int status) {
  char digits[4] = {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
                    static_cast<char>('0' + status % 10), ' '};
  out.append("HTTP/1.1 ").append(digits, 4);
}


}  // namespace aviary::proxy::detail
