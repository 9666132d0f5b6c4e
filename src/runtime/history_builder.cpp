#include "runtime/history_builder.h"

#include "common/log.h"
#include "controller/gofmt.h"

namespace aviary::runtime {

using api::Phase;

namespace {

constexpr size_t kMaxEntries = 500;  // per list of one record: a stalled analysis must not grow it forever

bool inAnalysis(Phase p) {
  return p == Phase::Waiting || p == Phase::Progressing || p == Phase::WaitingPromotion || p == Phase::Promoting ||
         p == Phase::Finalising;
}

template <typename T>
void appendBounded(std::vector<T>& to, std::vector<T>& from) {
  for (auto& x : from) {
    if (to.size() >= kMaxEntries) to.erase(to.begin());
    to.push_back(std::move(x));
  }
  from.clear();
}

bool startsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Why a rollback happened: the warnings of the record, most telling first — a manual abort or a
// rollback webhook, else the threshold and the last failed check before it.
std::string failureReason(const controller::RolloutRecord& r) {
  std::string threshold, lastHalt, other;
  for (const auto& e : r.events) {
    if (e.type != "Warning" || startsWith(e.message, "Canary failed!")) continue;
    if (e.message.find("aborted manually") != std::string::npos ||
        e.message.find("manual webhook invoked") != std::string::npos) {
      return e.message;
    }
    if (e.message.find("failed checks threshold reached") != std::string::npos) {
      threshold = e.message;
    } else if (startsWith(e.message, "Halt ") || e.message.find("failed") != std::string::npos) {
      lastHalt = e.message;
    } else {
      other = e.message;
    }
  }
  if (!threshold.empty()) return lastHalt.empty() ? threshold : threshold + " (last: " + lastHalt + ")";
  if (!lastHalt.empty()) return lastHalt;
  return other.empty() ? "rolled back" : other;
}

std::string successReason(const controller::RolloutRecord& r) {
  for (const auto& e : r.events) {
    if (startsWith(e.message, "Manual promotion of")) return e.message;
  }
  return "analysis passed, promoted";
}

}  // namespace

std::string HistoryBuilder::now() const {
  return controller::rfc3339(clock_.now());
}

HistoryBuilder::State& HistoryBuilder::stateOf(const api::Canary& c) {
  return states_[c.metadata.namespace_ + "/" + c.metadata.name];
}

void HistoryBuilder::record(const api::Canary& canary, const controller::Event& event) {
  {
    std::lock_guard lock(mu_);
    stateOf(canary).tick.events.push_back(
        {controller::rfc3339(event.time), controller::toString(event.type), event.message});
  }
  events_.record(canary, event);
}

void HistoryBuilder::onMetric(const api::Canary& canary, const api::CanaryMetric& metric,
                              const metrics::MetricAnswer& answer, bool ok) {
  controller::MetricRecord m;
  m.time = now();
  m.name = metric.name;
  if (answer.kind == metrics::MetricAnswer::Kind::Value) {
    m.value = answer.value;
  } else {
    m.error = answer.kind == metrics::MetricAnswer::Kind::NoValues ? "no values found" : answer.message;
    if (answer.kind == metrics::MetricAnswer::Kind::NoValues && !answer.message.empty())
      m.error += ": " + answer.message;
  }
  if (metric.thresholdRange) {
    m.min = metric.thresholdRange->min;
    m.max = metric.thresholdRange->max;
  } else if (metric.threshold) {
    m.min = *metric.threshold;
  }
  m.ok = ok;
  std::lock_guard lock(mu_);
  stateOf(canary).tick.metrics.push_back(std::move(m));
}

void HistoryBuilder::onWebhook(const api::Canary& canary, const api::CanaryWebhook& hook, const std::string& phase,
                               const Status& result) {
  if (hook.type == api::HookType::Event) return;  // every event already is in the record
  controller::WebhookRecord w{now(), hook.name,   api::toString(hook.type),
                              phase, result.ok(), result.ok() ? "" : result.error().message};
  std::lock_guard lock(mu_);
  stateOf(canary).tick.webhooks.push_back(std::move(w));
}

// A store's failure (or bug) is logged, never passed on: the history must not cost the canary its
// ticks.
template <typename F>
void HistoryBuilder::guarded(const api::Canary& canary, const char* what, F&& write) {
  if (!store_) return;
  Status st = okStatus();
  try {
    st = write();
  } catch (const std::exception& e) {
    st = makeError(ErrorCode::Internal, e.what());
  }
  if (!st)
    spdlog::warn("{}.{}: rollout history {}: {}", canary.metadata.name, canary.metadata.namespace_, what,
                 st.error().message);
}

void HistoryBuilder::close(const api::Canary& canary, State& s, const std::string& verdict, const std::string& reason) {
  s.record.end = now();
  s.record.verdict = verdict;
  s.record.reason = reason;
  guarded(canary, "not kept", [&] { return store_->append(canary, s.record); });
  s.open = false;
  s.record = {};
}

void HistoryBuilder::afterTick(const api::Canary& canary, const api::CanaryStatus& after) {
  std::lock_guard lock(mu_);
  State& s = stateOf(canary);
  const bool restarted = [&] {
    for (const auto& e : s.tick.events) {
      if (startsWith(e.message, "New revision detected! Restarting analysis")) return true;
    }
    return false;
  }();
  if (s.open && restarted) close(canary, s, "Stopped", "a newer revision restarted the analysis");
  if (s.open && after.phase == Phase::Terminating) {
    appendBounded(s.record.events, s.tick.events);
    close(canary, s, "Stopped", "the canary is being deleted");
  }
  if (!s.open && inAnalysis(after.phase)) {
    s.open = true;
    s.record.revision = after.lastAppliedSpec;
    s.record.start = now();
    // The first analysis tick this process runs for the canary: a checkpoint of the same
    // revision means the controller restarted mid-analysis, and the record goes on from it.
    if (!s.seen && store_) {
      std::optional<controller::RolloutRecord> saved;
      guarded(canary, "checkpoint not read", [&]() -> Status {
        auto r = store_->checkpointOf(canary.metadata.namespace_, canary.metadata.name);
        if (!r) return r.error();
        saved = std::move(*r);
        return okStatus();
      });
      if (saved && saved->revision == after.lastAppliedSpec && !saved->start.empty()) {
        s.record = std::move(*saved);
        s.record.resumed.push_back(now());
      }
    }
  }
  s.seen = true;
  if (!s.open) {
    s.tick = {};
    return;
  }
  appendBounded(s.record.events, s.tick.events);
  appendBounded(s.record.metrics, s.tick.metrics);
  appendBounded(s.record.webhooks, s.tick.webhooks);
  s.tick = {};
  const std::string phase = api::toString(after.phase);
  if (s.record.steps.empty() || s.record.steps.back().phase != phase ||
      s.record.steps.back().canaryWeight != after.canaryWeight ||
      s.record.steps.back().iterations != after.iterations ||
      s.record.steps.back().failedChecks != after.failedChecks) {
    if (s.record.steps.size() >= kMaxEntries) s.record.steps.erase(s.record.steps.begin());
    s.record.steps.push_back({now(), phase, after.canaryWeight, after.iterations, after.failedChecks});
    // Checkpointed at each new step (not each tick: a held analysis writes nothing), unless
    // this tick closes the record.
    if (inAnalysis(after.phase))
      guarded(canary, "checkpoint not written", [&] { return store_->checkpoint(canary, s.record); });
  }
  if (after.phase == Phase::Succeeded) close(canary, s, "Succeeded", successReason(s.record));
  if (after.phase == Phase::Failed) close(canary, s, "Failed", failureReason(s.record));
}

void HistoryBuilder::forget(const api::Canary& canary) {
  std::lock_guard lock(mu_);
  auto it = states_.find(canary.metadata.namespace_ + "/" + canary.metadata.name);
  if (it == states_.end()) return;
  if (it->second.open) close(canary, it->second, "Stopped", "the canary was deleted");
  states_.erase(it);
}

}  // namespace aviary::runtime
