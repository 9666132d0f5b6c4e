#pragma once
// `aviary hey` options: hey's command line (rakyll/hey 0.1.4, as packaged by Debian) and the
// pre-serialized request that every connection sends.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "loadtester/proxy_env.h"

namespace aviary::loadtester {

struct HeyOptions {
  std::string url;
  int requests = 200;                        // -n (ignored when duration > 0)
  int concurrency = 50;                      // -c
  double qps = 0;                            // -q, per worker; 0 = unlimited
  std::chrono::nanoseconds duration{0};      // -z
  std::chrono::nanoseconds timeout{std::chrono::seconds(20)};  // -t seconds; 0 = none
  std::string method = "GET";                // -m
  std::vector<std::string> headers;          // -H "Name: value", repeatable
  std::string body;                          // -d, or the contents of -D
  std::string contentType = "text/html";     // -T
  std::string accept;                        // -A
  std::string basicAuth;                     // -a user:password
  std::string hostHeader;                    // -host
  std::string proxy;                         // -x host:port
  bool disableKeepAlive = false;
  bool disableCompression = false;
  bool disableRedirects = false;             // redirects are followed (same host only) unless set
  std::string output;                        // "" (summary) or "csv"
  int threads = 0;                           // -threads; 0 = min(concurrency, CPUs)
};

// Parses hey's arguments (flags in Go syntax, then the URL). Help requests come back as an Error
// with code NotFound whose message is the usage text; every other problem is code Invalid with a
// message like hey's ("-n cannot be less than -c"). Without -x, the proxy comes from http_proxy /
// no_proxy as `env` reads them (proxy_env.h; std::getenv when null).
Result<HeyOptions> parseHeyArgs(const std::vector<std::string>& args, const EnvLookup& env = nullptr);

// hey's usage text.
std::string heyUsage();

// The target of the load: where to connect and what to send.
struct HeyTarget {
  std::string connectHost;  // host or IP to dial (the proxy's when -x is set)
  uint16_t connectPort = 80;
  std::string request;      // complete HTTP/1.1 request bytes (headers + body)
  std::string authority;    // host[:port] of the URL
  bool absoluteForm = false;  // via a proxy: request target is the absolute URL
  std::string method, body;
  std::string headerBlock;  // every header line except Content-Length
  bool headRequest = false; // response has no body
  bool autoGzip = false;    // we added Accept-Encoding: gzip (Go transport behaviour)
};

// Validates the URL (http:// only) and serializes the request once.
Result<HeyTarget> buildHeyTarget(const HeyOptions& options);

// The request bytes for `method path` with the target's headers (Content-Length added for a body).
std::string serializeRequest(const HeyTarget& target, const std::string& method, const std::string& path,
                             const std::string& body);

// The request that follows a redirect response (status + Location), as Go's client would send it;
// empty when it is not followed (Location on another host, or not an http URL / absolute path).
std::string redirectRequest(const HeyTarget& target, int status, const std::string& location);

}  // namespace aviary::loadtester
