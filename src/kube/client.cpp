// Requests to the Kubernetes API over libcurl. One easy handle per call (the Client is shared by
// threads); TLS material from the ClusterConfig (CA and client certificate as files or PEM blobs).
#include "kube/client.h"

#include "common/log.h"

#include <curl/curl.h>


#include "common/http_client.h"
#include "kube/curl_call.h"

namespace aviary::kube {

namespace {

ErrorCode codeFor(long status) {
  if (status == 404) return ErrorCode::NotFound;
  if (status == 409) return ErrorCode::Conflict;
  if (status == 400 || status == 415 || status == 422 || status == 410) return ErrorCode::Invalid;
  if (status == 504) return ErrorCode::Timeout;
  return ErrorCode::Unavailable;
}

// An Error from a non-2xx answer: the Status object's reason and message when there is one.
Error statusError(long status, const std::string& body, const std::string& what) {
  Json s = Json::parse(body, nullptr, false);
  std::string reason = "HTTP " + std::to_string(status);
  std::string message = what + ": HTTP " + std::to_string(status);
  if (s.is_object() && s.value("kind", "") == "Status") {
    if (s.contains("reason") && s["reason"].is_string() && !s["reason"].get<std::string>().empty()) reason = s["reason"];
    if (s.contains("message") && s["message"].is_string()) message = what + ": " + s["message"].get<std::string>();
  } else if (!body.empty()) {
    message += ": " + body.substr(0, 200);
  }
  Error e = makeError(codeFor(status), message, reason);
  return e;
}

const char* contentTypeOf(PatchType t) {
  switch (t) {
    case PatchType::Merge: return "application/merge-patch+json";
    case PatchType::StrategicMerge: return "application/strategic-merge-patch+json";
    case PatchType::Json: return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

}  // namespace

int httpStatus(const Error& e) {
  static const std::pair<const char*, int> known[] = {
      {"BadRequest", 400}, {"Unauthorized", 401}, {"Forbidden", 403}, {"NotFound", 404}, {"MethodNotAllowed", 405},
      {"AlreadyExists", 409}, {"Conflict", 409}, {"Gone", 410}, {"Expired", 410}, {"UnsupportedMediaType", 415},
      {"Invalid", 422}, {"TooManyRequests", 429}, {"InternalError", 500}, {"ServiceUnavailable", 503},
      {"Timeout", 504}};
  for (const auto& [reason, status] : known) {
    if (e.path == reason) return status;
  }
  if (e.path.rfind("HTTP ", 0) == 0) return std::atoi(e.path.c_str() + 5);
  return 0;
}

Client::Client(ClusterConfig config, ClientOptions options) : config_(std::move(config)), options_(std::move(options)) {
  if (!options_.clock) {
    ownClock_ = std::make_unique<SystemClock>();
    options_.clock = ownClock_.get();
  }
  limiter_ = std::make_unique<RateLimiter>(options_.qps, options_.burst, *options_.clock, options_.sleep);
  while (!config_.server.empty() && config_.server.back() == '/') config_.server.pop_back();
}

Client::~Client() = default;

std::string Client::url(const Resource& r, const std::string& ns, const std::string& name,
                        const std::string& subresource) const {
  std::string u = config_.server + (r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version);
  if (r.namespaced && !ns.empty()) u += "/namespaces/" + http::urlEncode(ns);
  u += "/" + r.plural;
  if (!name.empty()) u += "/" + http::urlEncode(name);
  if (!subresource.empty()) u += "/" + subresource;
  return u;
}

Result<Json> Client::request(const std::string& method, const std::string& url, const std::string& contentType,
                             const std::string& body) {
  limiter_->acquire();
  ++(method == "GET" ? reads_ : writes_);
  if (method != "GET") spdlog::debug("kube: {} {}", method, url);
  Call call;
  if (!call.h) return makeError(ErrorCode::Internal, "curl_easy_init failed");
  call.setup(config_, options_, method, url);
  curl_easy_setopt(call.h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  if (!contentType.empty()) {
    call.header("Content-Type: " + contentType);
    curl_easy_setopt(call.h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(call.h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(call.h, CURLOPT_HTTPHEADER, call.headers);
  curl_easy_setopt(call.h, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
    static_cast<std::string*>(u)->append(p, s * n);
    return s * n;
  });
  curl_easy_setopt(call.h, CURLOPT_WRITEDATA, &call.body);
  CURLcode rc = curl_easy_perform(call.h);
  std::string what = method + " " + url;
  if (rc != CURLE_OK) {
    return makeError(rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::Timeout : ErrorCode::Unavailable,
                     what + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(call.h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return statusError(status, call.body, what);
  Json j = Json::parse(call.body, nullptr, false);
  if (j.is_discarded()) return makeError(ErrorCode::Unavailable, what + ": the answer is not JSON");
  return j;
}

Result<Json> Client::get(const Resource& r, const std::string& ns, const std::string& name) {
  return request("GET", url(r, ns, name), "", "");
}

Result<Json> Client::list(const Resource& r, const std::string& ns, const ListOptions& o) {
  std::string q;
  auto add = [&](const char* k, const std::string& v) {
    if (!v.empty()) q += (q.empty() ? "?" : "&") + std::string(k) + "=" + http::urlEncode(v);
  };
  add("labelSelector", o.labelSelector);
  add("fieldSelector", o.fieldSelector);
  add("limit", o.limit > 0 ? std::to_string(o.limit) : "");
  add("continue", o.continueToken);
  add("resourceVersion", o.resourceVersion);
  return request("GET", url(r, ns) + q, "", "");
}

Result<Json> Client::listAll(const Resource& r, const std::string& ns, ListOptions o) {
  auto first = list(r, ns, o);
  if (!first) return first;
  Json all = std::move(first.value());
  for (int pages = 0; pages < 100000; ++pages) {
    std::string cont = all["metadata"].value("continue", "");
    if (cont.empty()) break;
    o.continueToken = cont;
    auto next = list(r, ns, o);
    if (!next) return next;
    for (auto& item : (*next)["items"]) all["items"].push_back(std::move(item));
    all["metadata"]["continue"] = (*next)["metadata"].value("continue", "");
  }
  all["metadata"].erase("continue");
  all["metadata"].erase("remainingItemCount");
  return all;
}

Result<Json> Client::create(const Resource& r, const std::string& ns, const Json& object) {
  return request("POST", url(r, ns), "application/json", object.dump());
}

Result<Json> Client::update(const Resource& r, const std::string& ns, const Json& object) {
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  if (name.empty()) return makeError(ErrorCode::Invalid, "metadata.name: expected a name, found none");
  return request("PUT", url(r, ns, name), "application/json", object.dump());
}

Result<Json> Client::updateStatus(const Resource& r, const std::string& ns, const Json& object) {
  std::string name = object.contains("metadata") ? object["metadata"].value("name", "") : "";
  if (name.empty()) return makeError(ErrorCode::Invalid, "metadata.name: expected a name, found none");
  return request("PUT", url(r, ns, name, "status"), "application/json", object.dump());
}

Result<Json> Client::patch(const Resource& r, const std::string& ns, const std::string& name, PatchType type,
                           const Json& p, bool status) {
  return request("PATCH", url(r, ns, name, status ? "status" : ""), contentTypeOf(type), p.dump());
}

Result<Json> Client::remove(const Resource& r, const std::string& ns, const std::string& name) {
  return request("DELETE", url(r, ns, name), "", "");
}

Result<Json> Client::updateWithRetry(const Resource& r, const std::string& ns, const std::string& name,
                                     const std::function<Status(Json&)>& mutate, int attempts, bool status) {
  Result<Json> last = makeError(ErrorCode::Internal, "no attempt made");
  for (int i = 0; i < std::max(1, attempts); ++i) {
    auto current = get(r, ns, name);
    if (!current) return current;
    Json obj = std::move(current.value());
    if (auto st = mutate(obj); !st) return st.error();
    last = status ? updateStatus(r, ns, obj) : update(r, ns, obj);
    if (last || last.error().code != ErrorCode::Conflict || last.error().path != "Conflict") return last;
  }
  return last;
}

}  // namespace aviary::kube
