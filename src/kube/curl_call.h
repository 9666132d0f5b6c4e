#pragma once
// Internal to the Kubernetes client: the curl easy handle of one call, set up from the
// ClusterConfig (TLS material, credentials). Shared by client.cpp and watch.cpp.
#include <curl/curl.h>

#include <fstream>
#include <sstream>
#include <string>

#include "kube/client.h"

namespace aviary::kube {

namespace detail {
inline std::string readFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

inline void setBlob(CURL* h, CURLoption opt, const std::string& data) {
  curl_blob blob{const_cast<char*>(data.data()), data.size(), CURL_BLOB_COPY};
  curl_easy_setopt(h, opt, &blob);
}

}  // namespace detail

// The per-call curl setup shared by plain requests and watches.
struct Client::Call {
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  std::string body;
  ~Call() {
    curl_slist_free_all(headers);
    if (h) curl_easy_cleanup(h);
  }
  void header(const std::string& line) { headers = curl_slist_append(headers, line.c_str()); }

  void setup(const ClusterConfig& c, const ClientOptions& o, const std::string& method, const std::string& url) {
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, o.userAgent.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c.insecureSkipVerify) {
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (!c.caData.empty()) {
      detail::setBlob(h, CURLOPT_CAINFO_BLOB, c.caData);
    } else if (!c.caFile.empty()) {
      curl_easy_setopt(h, CURLOPT_CAINFO, c.caFile.c_str());
    }
    if (!c.clientCertData.empty()) detail::setBlob(h, CURLOPT_SSLCERT_BLOB, c.clientCertData);
    if (!c.clientCertFile.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, c.clientCertFile.c_str());
    if (!c.clientKeyData.empty()) detail::setBlob(h, CURLOPT_SSLKEY_BLOB, c.clientKeyData);
    if (!c.clientKeyFile.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, c.clientKeyFile.c_str());
    std::string token = c.token.empty() && !c.tokenFile.empty() ? detail::readFile(c.tokenFile) : c.token;
    if (!token.empty()) {
      header("Authorization: Bearer " + token);
    } else if (!c.username.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, c.username.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, c.password.c_str());
    }
    header("Accept: application/json");
  }
};

}  // namespace aviary::kube
