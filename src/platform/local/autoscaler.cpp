#include "platform/local/autoscaler.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/log.h"
#include "platform/local/local_platform.h"

namespace aviary::platform::local {
namespace {

using autoscaling::MetricSourceType;
using autoscaling::MetricTargetType;

bool isRequestMetric(const std::string& name) {
  return name == "istio_requests_total" || name == "istio_requests" || name == "istio_requests_per_second";
}

// A PromQL string literal's content (label values here are DNS names; quotes escaped anyway).
std::string quoted(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// utime + stime of a process in seconds, from /proc/PID/stat (fields 14 and 15, after the
// parenthesised command, which may itself hold spaces and parentheses).
std::optional<double> cpuSeconds(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (utime + stime) / ticks;
}

}  // namespace

Result<std::string> LocalAutoscaler::requestRateQuery(const api::HpaMetric& m, const std::string& ns,
                                                      const std::string& set, const std::string& window) {
  if (!isRequestMetric(m.name)) {
    return makeError(ErrorCode::Invalid,
                     fmt::format("metric {} is not known to the local platform (it reads istio_requests_total, "
                                 "istio_requests or istio_requests_per_second: the mesh's request rate)",
                                 m.name));
  }
  std::string selector;
  if (m.source == MetricSourceType::Pods) {
    selector =
        fmt::format("destination_workload_namespace=\"{}\",destination_workload=\"{}\"", quoted(ns), quoted(set));
  } else if (m.describedObject.kind == "Service") {
    const std::string x = quoted(m.describedObject.name);
    selector = fmt::format("destination_service_namespace=\"{}\",destination_service_name=~\"{}|{}-primary|{}-canary\"",
                           quoted(ns), x, x, x);
  } else if (m.describedObject.kind == "Workload" || m.describedObject.kind == "Deployment") {
    selector = fmt::format("destination_workload_namespace=\"{}\",destination_workload=\"{}\"", quoted(ns),
                           quoted(m.describedObject.name));
  } else {
    return makeError(ErrorCode::Invalid, fmt::format("describedObject kind {} is not known to the local platform "
                                                     "(Service, Workload or Deployment)",
                                                     m.describedObject.kind));
  }
  return fmt::format("sum(rate(istio_requests_total{{reporter=\"destination\",{}}}[{}]))", selector, window);
}

LocalAutoscaler::LocalAutoscaler(LocalPlatform& platform, Query query, AutoscalerOptions options)
    : platform_(platform), query_(std::move(query)), options_(std::move(options)) {}

LocalAutoscaler::~LocalAutoscaler() {
  stop();
}

void LocalAutoscaler::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      reconcileAll();
      lock.lock();
      cv_.wait_for(lock, options_.syncPeriod, [&] { return stopping_; });
    }
  });
}

void LocalAutoscaler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LocalAutoscaler::reconcileAll() {
  std::lock_guard run(runMu_);
  const auto hpas = platform_.autoscalers();
  std::vector<std::pair<const api::HorizontalPodAutoscaler*, State*>> work;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, State> kept;
    for (const auto& h : hpas) {
      auto it = states_.find(h.key());
      if (it != states_.end()) {
        kept.emplace(h.key(), std::move(it->second));
      } else {
        State s;
        s.algorithm = std::make_unique<autoscaling::HpaAlgorithm>(platform_.clock(), options_.algorithm);
        kept.emplace(h.key(), std::move(s));
      }
    }
    states_ = std::move(kept);  // a deleted HPA's history goes with it
    for (const auto& h : hpas) work.emplace_back(&h, &states_.at(h.key()));
  }
  for (auto& [h, s] : work) reconcile(*h, *s);
}

std::optional<double> LocalAutoscaler::readCpu(State& state, const std::vector<int>& pids, bool utilization,
                                               std::string& error) {
  // Mean CPU use per replica since the last reconcile; a replica seen for the first time has no
  // rate yet and is left out (as a pod without metrics).
  const auto now = platform_.clock().monotonic();
  std::map<int, std::pair<double, Clock::SteadyPoint>> next;
  double sum = 0;
  int n = 0;
  for (int pid : pids) {
    auto secs = cpuSeconds(pid);
    if (!secs) continue;
    next[pid] = {*secs, now};
    auto prev = state.cpu.find(pid);
    if (prev == state.cpu.end()) continue;
    const double elapsed = std::chrono::duration<double>(now - prev->second.second).count();
    if (elapsed <= 0) continue;
    sum += (*secs - prev->second.first) / elapsed;
    ++n;
  }
  state.cpu = std::move(next);
  if (n == 0) {
    error = "no CPU samples yet (the first reading of each replica only starts its rate)";
    return std::nullopt;
  }
  const double cores = sum / n;
  return utilization ? cores * 100 : cores;
}

void LocalAutoscaler::reconcile(const api::HorizontalPodAutoscaler& hpa, State& state) {
  AutoscalerStatus out;
  out.namespace_ = hpa.metadata.namespace_;
  out.name = hpa.metadata.name;
  out.target = hpa.spec.scaleTargetRef.name;
  out.minReplicas = hpa.spec.minReplicas;
  out.maxReplicas = hpa.spec.maxReplicas;
  {
    std::lock_guard lock(mu_);
    out.lastScaleTime = state.status.lastScaleTime;
  }
  const std::string key = setKey(out.namespace_, out.target);
  const auto set = platform_.supervisor().status(key);
  if (!set.exists) {
    out.reason = "FailedGetScale";
    out.message = fmt::format("the replica set {} does not exist", key);
  } else {
    const int32_t current = set.desired;
    out.currentReplicas = current;
    std::vector<autoscaling::MetricReading> readings;
    for (const auto& m : hpa.spec.metrics) {
      autoscaling::MetricReading r{m.name, m.source, m.target.type, m.target.value, std::nullopt};
      AutoscalerStatus::Metric shown{m.name, std::nullopt, m.target.value, ""};
      if (m.source == MetricSourceType::Resource) {
        if (m.name != "cpu") {
          shown.error = fmt::format("resource {} is not measured by the local platform (cpu only)", m.name);
        } else {
          std::vector<int> pids;
          for (const auto& rep : set.members)
            if (rep.pid > 0 && rep.state != ReplicaStatus::State::Terminating) pids.push_back(rep.pid);
          r.value = readCpu(state, pids, m.target.type == MetricTargetType::Utilization, shown.error);
        }
      } else if (auto q = requestRateQuery(m, out.namespace_, out.target, options_.rateWindow); !q) {
        shown.error = q.error().message;
      } else if (auto v = query_(*q); v || v.error().code == ErrorCode::NoValues) {
        const double total = v ? *v : 0.0;  // no series: no requests yet
        const bool perPod = m.source == MetricSourceType::Pods;
        r.value = perPod ? (current > 0 ? total / current : 0.0) : total;
      } else {
        shown.error = v.error().message;
      }
      shown.value = r.value;
      readings.push_back(std::move(r));
      out.metrics.push_back(std::move(shown));
    }
    const auto rec = state.algorithm->recommend(hpa.algorithmSpec(), current, readings);
    out.desiredReplicas = rec.replicas;
    out.reason = rec.reason;
    out.message = rec.message;
    if (rec.scale) {
      if (auto st = platform_.supervisor().scale(key, current, rec.replicas); st) {
        state.algorithm->recorded(hpa.algorithmSpec(), current, rec.replicas);
        out.currentReplicas = rec.replicas;
        out.lastScaleTime = platform_.clock().now();
        // Worded like the controller's SuccessfulRescale event, with the condition's reason when a
        // window or a limit shaped the count.
        std::string why = rec.replicas < current ? "All metrics below target"
                          : rec.metric.empty()   ? rec.message
                                                 : fmt::format("metric {} above target", rec.metric);
        if (rec.reason != "ValidMetricFound") why += fmt::format(" ({})", rec.reason);
        const std::string line = fmt::format("HorizontalPodAutoscaler {}/{}: New size: {}; reason: {} ({} → {})",
                                             out.namespace_, out.name, rec.replicas, why, current, rec.replicas);
        spdlog::info("{}", line);
        if (options_.print) options_.print(line);
      } else {
        // Conflict: the engine scaled the set meanwhile; the next period starts from its count.
        out.reason = "FailedRescale";
        out.message = st.error().message;
      }
    }
  }
  std::lock_guard lock(mu_);
  state.status = std::move(out);
}

std::vector<AutoscalerStatus> LocalAutoscaler::status() const {
  std::lock_guard lock(mu_);
  std::vector<AutoscalerStatus> out;
  for (const auto& [k, s] : states_) out.push_back(s.status);
  return out;
}

}  // namespace aviary::platform::local
