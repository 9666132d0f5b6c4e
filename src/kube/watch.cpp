// One watch request: a chunked stream of newline-delimited JSON events read as it arrives.
#include <curl/curl.h>

#include "common/http_client.h"
#include "kube/client.h"
#include "kube/curl_call.h"

namespace aviary::kube {

namespace {

struct StreamState {
  std::string pending;  // bytes after the last newline
  std::string errorBody;
  long status = 0;
  CURL* h = nullptr;
  const std::function<bool(const WatchEvent&)>* onEvent = nullptr;
  const std::atomic<bool>* stop = nullptr;
  bool stoppedByCaller = false;
  bool badEvent = false;
};

size_t onData(char* p, size_t s, size_t n, void* u) {
  auto* st = static_cast<StreamState*>(u);
  size_t len = s * n;
  if (st->status == 0) curl_easy_getinfo(st->h, CURLINFO_RESPONSE_CODE, &st->status);
  if (st->status != 200) {
    if (st->errorBody.size() < 65536) st->errorBody.append(p, len);
    return len;
  }
  st->pending.append(p, len);
  size_t start = 0;
  for (size_t nl; (nl = st->pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(st->pending.data() + start, nl - start);
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    Json j = Json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
      st->badEvent = true;
      return 0;
    }
    WatchEvent ev{j["type"].get<std::string>(), j.value("object", Json())};
    if (!(*st->onEvent)(ev)) {
      st->stoppedByCaller = true;
      return 0;  // aborts the transfer
    }
  }
  st->pending.erase(0, start);
  if (st->pending.size() > (64u << 20)) {  // one event larger than 64 MiB: refuse rather than grow
    st->badEvent = true;
    return 0;
  }
  return len;
}

int onProgress(void* u, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* st = static_cast<StreamState*>(u);
  if (st->stop && st->stop->load()) {
    st->stoppedByCaller = true;
    return 1;
  }
  return 0;
}

}  // namespace

Status Client::watch(const Resource& r, const std::string& ns, const WatchOptions& o,
                     const std::function<bool(const WatchEvent&)>& onEvent) {
  ++watchCount_;
  std::string q = "?watch=1";
  if (!o.resourceVersion.empty()) q += "&resourceVersion=" + http::urlEncode(o.resourceVersion);
  if (o.bookmarks) q += "&allowWatchBookmarks=true";
  if (!o.labelSelector.empty()) q += "&labelSelector=" + http::urlEncode(o.labelSelector);
  if (!o.fieldSelector.empty()) q += "&fieldSelector=" + http::urlEncode(o.fieldSelector);
  q += "&timeoutSeconds=" + std::to_string(o.timeout.count());
  std::string u = url(r, ns) + q;

  limiter_->acquire();
  Call call;
  if (!call.h) return makeError(ErrorCode::Internal, "curl_easy_init failed");
  call.setup(config_, options_, "GET", u);
  curl_easy_setopt(call.h, CURLOPT_HTTPHEADER, call.headers);
  // The server ends the stream after timeoutSeconds; allow it some slack before giving up.
  curl_easy_setopt(call.h, CURLOPT_TIMEOUT_MS, static_cast<long>((o.timeout.count() + 30) * 1000));
  StreamState st;
  st.h = call.h;
  st.onEvent = &onEvent;
  st.stop = o.stop;
  curl_easy_setopt(call.h, CURLOPT_WRITEFUNCTION, onData);
  curl_easy_setopt(call.h, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(call.h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(call.h, CURLOPT_XFERINFOFUNCTION, onProgress);
  curl_easy_setopt(call.h, CURLOPT_XFERINFODATA, &st);
  CURLcode rc = curl_easy_perform(call.h);
  if (st.stoppedByCaller) return okStatus();
  std::string what = "watch " + u;
  if (st.badEvent) return makeError(ErrorCode::Unavailable, what + ": the server sent a line that is not a watch event");
  if (rc != CURLE_OK) {
    return makeError(rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::Timeout : ErrorCode::Unavailable,
                     what + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(call.h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    Json s = Json::parse(st.errorBody, nullptr, false);
    std::string reason = s.is_object() && s.contains("reason") && s["reason"].is_string() ? s["reason"].get<std::string>()
                                                                                          : "HTTP " + std::to_string(status);
    std::string message = s.is_object() && s.contains("message") && s["message"].is_string() ? s["message"].get<std::string>()
                                                                                             : st.errorBody.substr(0, 200);
    return makeError(status == 404 ? ErrorCode::NotFound : status == 410 ? ErrorCode::Invalid : ErrorCode::Unavailable,
                     what + ": HTTP " + std::to_string(status) + ": " + message, reason);
  }
  return okStatus();
}

}  // namespace aviary::kube
