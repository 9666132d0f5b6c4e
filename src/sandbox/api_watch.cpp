// Watch streams: newline-delimited JSON events on a chunked response, read from the Store's
// history. A watch from resourceVersion "" or "0" starts with an ADDED event per existing object;
// one from a resourceVersion older than the history gets a single ERROR event with a 410 Status
// (reason Expired), as the real API server sends when etcd has compacted it.
#include <algorithm>
#include <chrono>

#include "sandbox/api_internal.h"

namespace aviary::sandbox {

namespace {

Json expired(uint64_t asked, uint64_t oldest) {
  return {{"type", "ERROR"},
          {"object",
           {{"kind", "Status"},
            {"apiVersion", "v1"},
            {"metadata", Json::object()},
            {"status", "Failure"},
            {"message", "too old resource version: " + std::to_string(asked) + " (" + std::to_string(oldest) + ")"},
            {"reason", "Expired"},
            {"code", 410}}}};
}

}  // namespace

bool parseBool(const std::string& v) {
  // Go's strconv.ParseBool (the Python client sends "True").
  return v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True";
}

http::ServerResponse ApiServerImpl::watch(const ResourceRequest& r, const http::ServerRequest& req,
                                          const Selector& labels, const Selector& fields) {
  std::string rvText = req.queryParam("resourceVersion");
  uint64_t startRv = 0;
  if (!rvText.empty()) {
    try {
      size_t used = 0;
      startRv = std::stoull(rvText, &used);
      if (used != rvText.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return statusResponse(400, "BadRequest", "resourceVersion: expected an unsigned integer, found \"" + rvText + "\"");
    }
  }
  std::chrono::seconds limit = options_.maxWatch;
  std::string timeoutText = req.queryParam("timeoutSeconds");
  if (!timeoutText.empty()) {
    try {
      limit = std::min(limit, std::chrono::seconds(std::max(0LL, std::stoll(timeoutText))));
    } catch (const std::exception&) {
      return statusResponse(400, "BadRequest", "timeoutSeconds: expected an integer, found \"" + timeoutText + "\"");
    }
  }
  bool bookmarks = parseBool(req.queryParam("allowWatchBookmarks"));
  bool table = wantsTable(req.header("accept"));
  IncludeObject include = req.queryParam("includeObject") == "None" ? IncludeObject::None
                          : req.queryParam("includeObject") == "Object" ? IncludeObject::Object
                                                                         : IncludeObject::Metadata;
  ResourceType type = r.type;
  std::string ns = r.ns;
  auto matches = [labels, fields](const Json& o) { return o.is_object() && labels.matches(o) && fields.matches(o); };

  http::ServerResponse res;
  res.status = 200;
  res.contentType = "application/json";
  res.stream = [this, type, ns, startRv, rvText, limit, bookmarks, table, include, matches](
                   const http::ServerResponse::ChunkWriter& write) {
    auto send = [&](const std::string& evType, const Json& object) {
      Json o = object;
      if (o.is_object() && evType != "ERROR" && evType != "BOOKMARK") {
        o["apiVersion"] = type.apiVersion();
        if (table) o = renderTable(type, {o}, {{"resourceVersion", o["metadata"].value("resourceVersion", "")}}, include, clock_.now());
      }
      return write(Json{{"type", evType}, {"object", o}}.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n");
    };
    uint64_t cursor = startRv;
    if (rvText.empty() || rvText == "0") {
      // Start from now, with the current objects as ADDED events.
      for (const auto& o : store_.list(type, ns, &cursor)) {
        if (matches(o) && !send("ADDED", o)) return;
      }
    }
    // Counted open from here (initial events sent) until the stream ends, for waitForWatches().
    {
      std::lock_guard lock(watchMu_);
      ++openWatches_;
      watchCv_.notify_all();
    }
    struct Closed {
      ApiServerImpl* self;
      ~Closed() {
        std::lock_guard lock(self->watchMu_);
        --self->openWatches_;
      }
    } closed{this};
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + limit;
    auto nextBookmark = start + options_.bookmarkInterval;
    for (;;) {
      auto events = store_.eventsAfter(cursor);
      if (!events) {
        write(expired(cursor, store_.resourceVersion()).dump() + "\n");
        return;
      }
      for (const auto& e : *events) {
        cursor = e.resourceVersion;
        if (e.groupResource != type.groupResource() || (!ns.empty() && e.ns != ns)) continue;
        bool now = matches(e.object);
        bool before = matches(e.previous);
        std::string t = e.type;
        if (t == "MODIFIED" && now && !before) t = "ADDED";
        if (t == "MODIFIED" && !now && before) t = "DELETED";
        if (t == "DELETED" ? !before && !now : !now) continue;
        if (!send(t, e.object)) return;
      }
      auto tick = std::min({deadline, nextBookmark, std::chrono::steady_clock::now() + std::chrono::seconds(1)});
      if (!store_.waitAfter(cursor, tick)) return;  // the server is stopping
      auto wake = std::chrono::steady_clock::now();
      if (wake >= deadline) return;
      if (!write("")) return;  // the client hung up
      if (bookmarks && wake >= nextBookmark) {
        // Everything up to the cursor has been delivered: a client may resume from here.
        Json b = {{"kind", type.kind}, {"apiVersion", type.apiVersion()},
                  {"metadata", {{"resourceVersion", std::to_string(cursor)}}}};
        if (!write(Json{{"type", "BOOKMARK"}, {"object", b}}.dump() + "\n")) return;
        nextBookmark = wake + options_.bookmarkInterval;
      }
    }
  };
  return res;
}

}  // namespace aviary::sandbox

namespace aviary::sandbox {

bool ApiServerImpl::waitForWatches(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(watchMu_);
  return watchCv_.wait_for(lock, timeout, [&] { return openWatches_ >= n; });
}

}  // namespace aviary::sandbox
