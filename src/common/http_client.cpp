#include "common/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace aviary::http {
namespace {

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Idle easy handles kept for reuse, each with its open connections. A controller talks to the same
// few peers (Prometheus, the load tester, the API server) thousands of times a minute from many
// threads; a fresh handle per call opens and closes a TCP (and TLS) connection every time. A
// handle is used by one call at a time and keeps its connection cache across curl_easy_reset.
// (libcurl's shared connection cache, CURL_LOCK_DATA_CONNECT, is documented as unsafe across
// concurrent threads in the Debian 12 version, 7.88, so connections are not shared that way; the
// DNS and TLS session caches are, which libcurl supports with the lock callbacks.)
class HandlePool {
 public:
  static constexpr size_t kMaxIdle = 64;  // bounds idle sockets too: ≤ 5 connections a handle

  HandlePool() {
    share_ = curl_share_init();
    if (share_ == nullptr) return;
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &HandlePool::lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &HandlePool::unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  CURL* acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* c = idle_.back();
        idle_.pop_back();
        return c;
      }
    }
    return curl_easy_init();
  }

  void release(CURL* c) {
    curl_easy_reset(c);  // options back to defaults; connections and caches stay
    {
      std::lock_guard lock(mu_);
      if (idle_.size() < kMaxIdle) {
        idle_.push_back(c);
        return;
      }
    }
    curl_easy_cleanup(c);
  }

  CURLSH* share() const { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<HandlePool*>(self)->locks_[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) { static_cast<HandlePool*>(self)->locks_[data].unlock(); }

  CURLSH* share_ = nullptr;
  std::mutex locks_[CURL_LOCK_DATA_LAST];
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

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

HandlePool& pool() {
  // Never destroyed: a detached thread may still be in a call at exit.
  static HandlePool* p = new HandlePool();
  return *p;
}

}  // namespace

Result<Response> perform(const Request& req) {
  globalInit();
  CURL* c = pool().acquire();
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
  if (CURLSH* sh = pool().share(); sh != nullptr) curl_easy_setopt(c, CURLOPT_SHARE, sh);
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
  pool().release(c);
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
