#include "common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace aviary::http {
namespace {

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t onBody(char* ptr, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(ptr, size * n);
  return size * n;
}

size_t onHeader(char* ptr, size_t size, size_t n, void* user) {
  std::string line(ptr, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    static_cast<std::multimap<std::string, std::string>*>(user)->emplace(std::move(name), std::move(value));
  }
  return size * n;
}

}  // namespace

Result<Response> perform(const Request& req) {
  globalInit();
  CURL* c = curl_easy_init();
  if (c == nullptr) return makeError(ErrorCode::Internal, "curl_easy_init failed");
  Response resp;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* hdrs = nullptr;
  for (const auto& [k, v] : req.headers) hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
  if (!req.bearerToken.empty()) hdrs = curl_slist_append(hdrs, ("Authorization: Bearer " + req.bearerToken).c_str());
  // Do not send "Expect: 100-continue" (adds a round trip on large bodies).
  hdrs = curl_slist_append(hdrs, "Expect:");

  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  if (req.method != "GET" && req.method != "HEAD") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  }
  if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.connectTimeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &resp.headers);
  // Never pick up a proxy from the environment implicitly: control-plane calls go where told.
  curl_easy_setopt(c, CURLOPT_PROXY, req.proxy.c_str());
  if (req.insecureSkipVerify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!req.basicUser.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, req.basicUser.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, req.basicPassword.c_str());
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) {
    std::string why = errbuf[0] != 0 ? errbuf : curl_easy_strerror(rc);
    ErrorCode code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::Timeout : ErrorCode::Unavailable;
    return makeError(code, req.method + " " + req.url + " failed: " + why);
  }
  return resp;
}

Result<Response> get(const std::string& url, std::chrono::milliseconds timeout) {
  Request r;
  r.url = url;
  r.timeout = timeout;
  return perform(r);
}

Result<Response> postJson(const std::string& url, const std::string& json, std::chrono::milliseconds timeout) {
  Request r;
  r.method = "POST";
  r.url = url;
  r.body = json;
  r.timeout = timeout;
  r.headers.emplace_back("Content-Type", "application/json");
  return perform(r);
}

std::string urlEncode(std::string_view s, bool spaceAsPlus) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else if (ch == ' ' && spaceAsPlus) {
      out += '+';
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

}  // namespace aviary::http
