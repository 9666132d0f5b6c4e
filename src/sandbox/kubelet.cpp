#include "sandbox/kubelet.h"

namespace aviary::sandbox {

namespace {

Json condition(const std::string& type, bool ok, const std::string& reason, const std::string& message,
               const Json& previous, const std::string& now) {
  Json c = {{"type", type}, {"status", ok ? "True" : "False"}, {"reason", reason}, {"message", message},
            {"lastUpdateTime", now}, {"lastTransitionTime", now}};
  // Keep the times of a condition that did not change, so a repeated reconcile is a no-op write.
  if (previous.is_array()) {
    for (const auto& p : previous) {
      if (p.is_object() && p.value("type", "") == type && p.value("status", "") == c["status"] &&
          p.value("reason", "") == reason) {
        c["lastUpdateTime"] = p.value("lastUpdateTime", now);
        c["lastTransitionTime"] = p.value("lastTransitionTime", now);
      }
    }
  }
  return c;
}

}  // namespace

Kubelet::Kubelet(Store& store, Registry& registry, const Clock& clock)
    : store_(store), registry_(registry), clock_(clock) {
  store_.setListener([this](const StoredEvent& e) {
    if (e.type == "DELETED" || (e.groupResource != "deployments.apps" && e.groupResource != "daemonsets.apps")) return;
    std::lock_guard lock(mu_);
    queue_.emplace_back(e.groupResource, e.ns, e.object["metadata"].value("name", ""));
    cv_.notify_one();
  });
  thread_ = std::thread([this] { run(); });
}

Kubelet::~Kubelet() { stop(); }

void Kubelet::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    cv_.notify_all();
  }
  store_.setListener(nullptr);
  if (thread_.joinable()) thread_.join();
}

void Kubelet::holdUnready(const std::string& ns, const std::string& name, bool hold) {
  std::lock_guard lock(mu_);
  if (hold) {
    held_.emplace(ns, name);
  } else {
    held_.erase({ns, name});
  }
  queue_.emplace_back("deployments.apps", ns, name);
  queue_.emplace_back("daemonsets.apps", ns, name);
  cv_.notify_one();
}

void Kubelet::pause(bool paused) {
  std::lock_guard lock(mu_);
  paused_ = paused;
  cv_.notify_one();
}

bool Kubelet::idle() const {
  std::lock_guard lock(mu_);
  return queue_.empty() && !busy_;
}

void Kubelet::run() {
  for (;;) {
    std::tuple<std::string, std::string, std::string> item;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      cv_.wait(lock, [&] { return stopped_ || (!paused_ && !queue_.empty()); });
      if (stopped_) return;
      item = queue_.front();
      queue_.pop_front();
      busy_ = true;
    }
    try {
      reconcile(std::get<0>(item), std::get<1>(item), std::get<2>(item));
    } catch (const std::exception&) {
      // A workload with fields of unexpected JSON types (the sandbox does not validate schemas):
      // it gets no status, and the kubelet goes on with the others.
    }
  }
}

void Kubelet::reconcile(const std::string& gr, const std::string& ns, const std::string& name) {
  std::string plural = gr.substr(0, gr.find('.'));
  auto type = registry_.find("apps", "v1", plural);
  if (!type) return;
  bool held = false;
  {
    std::lock_guard lock(mu_);
    held = held_.count({ns, name}) > 0;
  }
  // A conflict means a newer write is queued behind this one; that one reconciles again.
  (void)store_.update(*type, ns, name, WritePart::Status, [&](const Json& current) -> Result<Json> {
    Json next = current;
    next["status"] = desiredStatus(current, current.value("status", Json::object()), formatTime(clock_.now()), held);
    return next;
  });
}

Json Kubelet::desiredStatus(const Json& w, const Json& current, const std::string& now, bool held) {
  const Json& meta = w.value("metadata", Json::object());
  const Json& annotations = meta.value("annotations", Json::object());
  bool hold = held || (annotations.is_object() && annotations.value(kHoldUnreadyAnnotation, "") == "true");
  int64_t generation = meta.value("generation", int64_t{1});
  const Json& prevConditions = current.value("conditions", Json::array());
  if (w.value("kind", "") == "DaemonSet") {
    int ready = hold ? 0 : 1;
    return {{"observedGeneration", generation}, {"desiredNumberScheduled", 1}, {"currentNumberScheduled", 1},
            {"updatedNumberScheduled", 1},      {"numberReady", ready},         {"numberAvailable", ready},
            {"numberUnavailable", 1 - ready},   {"numberMisscheduled", 0}};
  }
  const Json& spec = w.value("spec", Json::object());
  int64_t replicas = spec.contains("replicas") && spec["replicas"].is_number_integer() ? spec["replicas"].get<int64_t>() : 1;
  int64_t ready = hold ? 0 : replicas;
  Json status = {{"observedGeneration", generation}, {"replicas", replicas}, {"updatedReplicas", replicas}};
  if (ready > 0) {
    status["readyReplicas"] = ready;
    status["availableReplicas"] = ready;
  }
  if (replicas - ready > 0) status["unavailableReplicas"] = replicas - ready;
  std::string rs = meta.value("name", "") + "-sandbox";
  status["conditions"] = Json::array(
      {condition("Available", !hold, hold ? "MinimumReplicasUnavailable" : "MinimumReplicasAvailable",
                 hold ? "Deployment does not have minimum availability." : "Deployment has minimum availability.",
                 prevConditions, now),
       condition("Progressing", true, hold ? "ReplicaSetUpdated" : "NewReplicaSetAvailable",
                 hold ? "ReplicaSet \"" + rs + "\" is progressing."
                      : "ReplicaSet \"" + rs + "\" has successfully progressed.",
                 prevConditions, now)});
  return status;
}

}  // namespace aviary::sandbox
