#pragma once
// Outbound control-plane HTTP over libcurl: webhooks, Prometheus, chat notifiers, the Kubernetes
// API. Blocking; one call = one request. Thread-safe (each call uses its own easy handle, taken
// from a pool of idle ones so that connections to the same peer are reused).
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aviary::http {

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds connectTimeout{5000};
  bool insecureSkipVerify = false;
  std::string basicUser, basicPassword;  // basic auth when basicUser is non-empty
  std::string bearerToken;               // "Authorization: Bearer" when non-empty
  std::string proxy;                     // HTTP(S) proxy URL, empty = none
};

struct Response {
  long status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // lower-cased names
};

// Performs the request. A transport failure (DNS, refused, TLS, timeout) is an Error with code
// Unavailable or Timeout whose message names the URL and libcurl's reason. Any HTTP status is a
// successful Response; callers decide what a 4xx/5xx means.
Result<Response> perform(const Request& req);

// Convenience wrappers.
Result<Response> get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(10));
Result<Response> postJson(const std::string& url, const std::string& json,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Percent-encodes a query-string component: everything but A-Z a-z 0-9 - _ . ~ becomes %XX
// (upper-case hex). With spaceAsPlus, a space becomes '+' (Go's url.QueryEscape).
std::string urlEncode(std::string_view s, bool spaceAsPlus = false);

}  // namespace aviary::http
