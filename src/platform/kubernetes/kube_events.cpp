#include "platform/kubernetes/kube_events.h"

#include <fmt/format.h>

#include "common/log.h"
#include "controller/gofmt.h"
#include "platform/kubernetes/kube_store.h"
#include "platform/kubernetes/resources.h"

namespace aviary::platform::kubernetes {

using kube::Json;

KubeEventSink::KubeEventSink(kube::Client& client, const KubeStore& store, const Clock& clock,
                             std::function<void(const api::Canary&, const controller::Event&)> print)
    : client_(client), store_(store), clock_(clock), print_(std::move(print)) {}

uint64_t KubeEventSink::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

void KubeEventSink::record(const api::Canary& c, const controller::Event& e) {
  if (print_) print_(c, e);
  const std::string& ns = c.metadata.namespace_;
  const std::string key = ns + "/" + c.metadata.name;
  const std::string type = controller::toString(e.type);
  const auto now = clock_.now();
  const std::string stamp = controller::rfc3339(now);
  const std::string what = type + "/" + e.message;
  auto fresh = [&] {
    // Event names as the recorder makes them: <object>.<unique hex suffix>.
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    return fmt::format("{}.{:x}", c.metadata.name, static_cast<uint64_t>(nanos) + ++seq_);
  };
  std::string repeatOf, name;
  int count = 1;
  {
    std::lock_guard lock(mu_);
    auto& recent = recent_[key];
    auto it = recent.find(what);
    if (it != recent.end() && now - it->second.at < std::chrono::minutes(10)) {
      repeatOf = it->second.name;
      count = ++it->second.count;
      it->second.at = now;
    } else {
      if (recent.size() >= 32) {  // forget the least recently seen
        auto oldest = recent.begin();
        for (auto i = recent.begin(); i != recent.end(); ++i)
          if (i->second.at < oldest->second.at) oldest = i;
        recent.erase(oldest);
      }
      name = fresh();
      recent[what] = Seen{name, 1, now};
    }
  }
  if (!repeatOf.empty()) {
    Json patch = {{"count", count}, {"lastTimestamp", stamp}};
    auto r = client_.patch(kEvents, ns, repeatOf, kube::PatchType::Merge, patch);
    if (r) {
      std::lock_guard lock(mu_);
      ++written_;
      return;
    }
    if (r.error().code != ErrorCode::NotFound) {
      spdlog::warn("event {}.{}: {}", repeatOf, ns, r.error().message);
      return;
    }
    // The Event expired (the API server's TTL): write a new one.
    std::lock_guard lock(mu_);
    name = fresh();
    recent_[key][what] = Seen{name, 1, now};
    count = 1;
  }
  Json involved = {{"apiVersion", "flagger.app/v1beta1"},
                   {"kind", "Canary"},
                   {"name", c.metadata.name},
                   {"namespace", ns},
                   {"uid", c.metadata.uid}};
  if (auto raw = store_.rawCanary(ns, c.metadata.name)) {
    involved["resourceVersion"] = (*raw)["metadata"].value("resourceVersion", "");
    if (c.metadata.uid.empty()) involved["uid"] = (*raw)["metadata"].value("uid", "");
  }
  Json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"name", name}, {"namespace", ns}}},
             {"involvedObject", involved},
             {"reason", "Synced"},
             {"message", e.message},
             {"type", type},
             {"source", {{"component", "flagger"}}},
             {"reportingComponent", "flagger"},
             {"firstTimestamp", stamp},
             {"lastTimestamp", stamp},
             {"count", count}};
  auto r = client_.create(kEvents, ns, ev);
  if (!r) {
    spdlog::warn("event for canary {}.{} not written: {}", c.metadata.name, ns, r.error().message);
    return;
  }
  std::lock_guard lock(mu_);
  ++written_;
}

}  // namespace aviary::platform::kubernetes
