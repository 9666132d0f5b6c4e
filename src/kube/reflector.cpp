#include "kube/reflector.h"

#include <thread>

namespace aviary::kube {

Reflector::Reflector(Client& client, Resource resource, std::string ns, ReflectorOptions options,
                     ReflectorHandlers handlers)
    : client_(client), resource_(std::move(resource)), ns_(std::move(ns)), options_(std::move(options)),
      handlers_(std::move(handlers)) {
  if (!options_.sleep) options_.sleep = [](std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); };
}

bool Reflector::list() {
  ListOptions lo;
  lo.labelSelector = options_.labelSelector;
  lo.fieldSelector = options_.fieldSelector;
  lo.limit = options_.pageSize;
  auto l = client_.listAll(resource_, ns_, lo);
  ++lists_;
  if (!l) {
    if (handlers_.onError) handlers_.onError(l.error());
    return false;
  }
  rv_ = (*l)["metadata"].value("resourceVersion", "");
  std::vector<Json> items;
  for (auto& i : (*l)["items"]) items.push_back(std::move(i));
  if (handlers_.onSync) handlers_.onSync(items, rv_);
  return true;
}

void Reflector::run(const std::atomic<bool>& stop) {
  auto backoff = options_.backoff;
  bool needList = true;
  while (!stop.load()) {
    if (needList) {
      if (!list()) {
        options_.sleep(backoff);
        backoff = std::min(backoff * 2, options_.maxBackoff);
        continue;
      }
      needList = false;
    }
    WatchOptions wo;
    wo.labelSelector = options_.labelSelector;
    wo.fieldSelector = options_.fieldSelector;
    wo.resourceVersion = rv_;
    wo.timeout = options_.watchTimeout;
    wo.stop = &stop;
    bool gone = false;
    ++watches_;
    auto st = client_.watch(resource_, ns_, wo, [&](const WatchEvent& e) {
      if (e.type == "ERROR") {
        int code = e.object.is_object() ? e.object.value("code", 0) : 0;
        gone = code == 410;
        if (!gone && handlers_.onError) {
          handlers_.onError(makeError(ErrorCode::Unavailable, "watch error: " + e.object.dump(), "HTTP " + std::to_string(code)));
        }
        return false;
      }
      if (e.object.is_object() && e.object.contains("metadata")) {
        std::string rv = e.object["metadata"].value("resourceVersion", "");
        if (!rv.empty()) rv_ = rv;
      }
      if (e.type != "BOOKMARK" && handlers_.onEvent) handlers_.onEvent(e);
      return !stop.load();
    });
    if (!st && httpStatus(st.error()) == 410) gone = true;
    if (gone) {
      needList = true;  // our resourceVersion is too old: start over from a fresh list
      continue;
    }
    if (!st) {
      if (handlers_.onError) handlers_.onError(st.error());
      if (st.error().code == ErrorCode::NotFound) needList = true;
      options_.sleep(backoff);
      backoff = std::min(backoff * 2, options_.maxBackoff);
      continue;
    }
    backoff = options_.backoff;
  }
}

}  // namespace aviary::kube
