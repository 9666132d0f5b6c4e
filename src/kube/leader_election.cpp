#include "kube/leader_election.h"

#include <unistd.h>

#include <ctime>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace aviary::kube {

namespace {

const Resource kLeases{"coordination.k8s.io", "v1", "leases", true};

int64_t toNs(Clock::SteadyPoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t wholeSeconds(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

Status validateLeaderElectionConfig(const LeaderElectionConfig& c) {
  std::vector<std::string> problems;
  auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
  if (c.leaseName.empty()) problems.push_back("leaseName: expected a lease name, found \"\"");
  if (c.leaseNamespace.empty()) problems.push_back("leaseNamespace: expected a namespace, found \"\"");
  if (c.retryPeriod.count() <= 0) problems.push_back("retryPeriod: expected > 0, found " + ms(c.retryPeriod));
  if (c.renewDeadline <= c.retryPeriod) {
    problems.push_back("renewDeadline: expected more than retryPeriod (" + ms(c.retryPeriod) + "), found " +
                       ms(c.renewDeadline));
  }
  if (c.leaseDuration <= c.renewDeadline) {
    problems.push_back("leaseDuration: expected more than renewDeadline (" + ms(c.renewDeadline) + "), found " +
                       ms(c.leaseDuration));
  }
  // The lease stores whole seconds; a sub-second lease would be written as 0 and read as "expired".
  if (wholeSeconds(c.leaseDuration) < 1) {
    problems.push_back("leaseDuration: expected at least 1s (the lease stores whole seconds), found " +
                       ms(c.leaseDuration));
  }
  if (problems.empty()) return okStatus();
  std::string all;
  for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
  return makeError(ErrorCode::Invalid, all, "leaderElection");
}

std::string defaultLeaderIdentity() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof(host), "localhost");
  return fmt::format("{}_{}", host, static_cast<long>(getpid()));
}

std::string formatMicroTime(Clock::TimePoint t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(us / 1000000);
  auto frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06d}Z", buf, frac);
}

LeaseRecord leaseRecordFromJson(const Json& lease) {
  LeaseRecord r;
  if (!lease.is_object() || !lease.contains("spec") || !lease["spec"].is_object()) return r;
  const Json& s = lease["spec"];
  auto str = [&](const char* k) { return s.contains(k) && s[k].is_string() ? s[k].get<std::string>() : ""; };
  auto num = [&](const char* k) -> int64_t {
    return s.contains(k) && s[k].is_number_integer() ? s[k].get<int64_t>() : 0;
  };
  r.holderIdentity = str("holderIdentity");
  r.leaseDurationSeconds = num("leaseDurationSeconds");
  r.acquireTime = str("acquireTime");
  r.renewTime = str("renewTime");
  r.leaseTransitions = num("leaseTransitions");
  return r;
}

Json leaseSpecToJson(const LeaseRecord& r) {
  Json s = Json::object();
  // client-go writes holderIdentity even when empty (a released lease); the times only when set.
  s["holderIdentity"] = r.holderIdentity;
  s["leaseDurationSeconds"] = r.leaseDurationSeconds;
  if (!r.acquireTime.empty()) s["acquireTime"] = r.acquireTime;
  if (!r.renewTime.empty()) s["renewTime"] = r.renewTime;
  s["leaseTransitions"] = r.leaseTransitions;
  return s;
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config, const Clock& clock)
    : client_(client), config_(std::move(config)), clock_(clock) {
  if (config_.identity.empty()) config_.identity = defaultLeaderIdentity();
}

bool LeaderElector::isLeader() const {
  if (!leader_.load()) return false;
  // Self-expiring: a renewal stuck in a hanging request must not keep us "leader" past the
  // point where another elector may legitimately take the lease.
  auto deadline = renewedAtNs_.load() + std::chrono::nanoseconds(config_.renewDeadline).count();
  return toNs(clock_.monotonic()) < deadline;
}

void LeaderElector::setLeader(bool leader) { leader_.store(leader); }

Result<bool> LeaderElector::tryAcquireOrRenew() {
  if (auto v = validateLeaderElectionConfig(config_); !v) return v.error();
  std::lock_guard lock(mu_);
  const std::string nowText = formatMicroTime(clock_.now());
  const auto started = clock_.monotonic();
  LeaseRecord desired;
  desired.holderIdentity = config_.identity;
  desired.leaseDurationSeconds = wholeSeconds(config_.leaseDuration);
  desired.acquireTime = nowText;
  desired.renewTime = nowText;

  auto current = client_.get(kLeases, config_.leaseNamespace, config_.leaseName);
  if (!current) {
    if (current.error().code != ErrorCode::NotFound) return current.error();
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.leaseName}, {"namespace", config_.leaseNamespace}}},
                  {"spec", leaseSpecToJson(desired)}};
    auto created = client_.create(kLeases, config_.leaseNamespace, lease);
    if (!created) {
      // AlreadyExists: another elector created it first; we will read it at the next attempt.
      if (created.error().code == ErrorCode::Conflict) return false;
      return created.error();
    }
    observed_ = desired;
    observedObject_ = *created;
    observedAt_ = started;
    haveObserved_ = true;
    renewedAtNs_.store(toNs(started));
    return true;
  }

  if (!current->is_object()) {
    return makeError(ErrorCode::Invalid, "expected a Lease object, found " + std::string(current->type_name()),
                     config_.leaseNamespace + "/" + config_.leaseName);
  }
  LeaseRecord old = leaseRecordFromJson(*current);
  const bool changed = !haveObserved_ || old.holderIdentity != observed_.holderIdentity ||
                       old.renewTime != observed_.renewTime || old.acquireTime != observed_.acquireTime ||
                       old.leaseDurationSeconds != observed_.leaseDurationSeconds;
  if (changed) {
    observed_ = old;
    observedAt_ = clock_.monotonic();
    haveObserved_ = true;
  }
  observedObject_ = *current;

  const bool mine = old.holderIdentity == config_.identity;
  if (!old.holderIdentity.empty() && !mine) {
    // The record's own duration decides (so a holder configured differently is honoured);
    // a record without one falls back to ours.
    auto duration = old.leaseDurationSeconds > 0 ? std::chrono::milliseconds(old.leaseDurationSeconds * 1000)
                                                 : config_.leaseDuration;
    if (observedAt_ + duration > clock_.monotonic()) return false;  // held and not expired
  }

  if (mine) {
    desired.acquireTime = old.acquireTime.empty() ? nowText : old.acquireTime;
    desired.leaseTransitions = old.leaseTransitions;
  } else {
    desired.leaseTransitions = old.leaseTransitions + 1;
  }
  Json lease = *current;
  lease["spec"] = leaseSpecToJson(desired);  // metadata.resourceVersion kept: a stale write is a 409
  auto updated = client_.update(kLeases, config_.leaseNamespace, lease);
  if (!updated) {
    if (updated.error().code == ErrorCode::Conflict) return false;  // someone else wrote first
    return updated.error();
  }
  observed_ = desired;
  observedObject_ = *updated;
  observedAt_ = started;
  renewedAtNs_.store(toNs(started));
  return true;
}

Status LeaderElector::release() {
  setLeader(false);  // before the write: once the lease is free, another may lead at once
  std::lock_guard lock(mu_);
  if (!haveObserved_ || observed_.holderIdentity != config_.identity) return okStatus();
  LeaseRecord released;
  released.leaseDurationSeconds = 1;
  released.acquireTime = released.renewTime = formatMicroTime(clock_.now());
  released.leaseTransitions = observed_.leaseTransitions;
  // The object as last written by us (labels and annotations kept), with its resourceVersion:
  // if anyone wrote the lease since, this is a 409 and the lease is not ours to release.
  Json lease = observedObject_;
  lease["spec"] = leaseSpecToJson(released);
  auto updated = client_.update(kLeases, config_.leaseNamespace, lease);
  if (!updated) return updated.error();  // 409: it was no longer ours to release
  observed_ = released;
  observedObject_ = *updated;
  observedAt_ = clock_.monotonic();
  return okStatus();
}

void LeaderElector::wait(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  if (config_.sleep) {
    config_.sleep(d);
    return;
  }
  // Short slices so that a stop is seen within ~50 ms rather than after a whole retry period.
  auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load()) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
  }
}

Status LeaderElector::run(const std::function<void()>& onStartedLeading,
                          const std::function<void()>& onStoppedLeading, const std::atomic<bool>& stop) {
  if (auto v = validateLeaderElectionConfig(config_); !v) return v;
  spdlog::info("leader election: {} contending for lease {}/{}", config_.identity, config_.leaseNamespace,
               config_.leaseName);
  // Acquire.
  while (!stop.load()) {
    auto got = tryAcquireOrRenew();
    if (got && *got) break;
    if (!got) spdlog::debug("leader election: acquire failed: {}", got.error().format());
    wait(config_.retryPeriod, stop);
  }
  if (stop.load()) return okStatus();
  setLeader(true);
  spdlog::info("leader election: {} acquired lease {}/{}", config_.identity, config_.leaseNamespace,
               config_.leaseName);
  if (onStartedLeading) onStartedLeading();

  // Renew until stopped or the renew deadline passes without a successful renewal.
  while (!stop.load()) {
    wait(config_.retryPeriod, stop);
    if (stop.load()) break;
    auto renewed = tryAcquireOrRenew();
    if (renewed && *renewed) continue;
    if (!renewed) spdlog::debug("leader election: renew failed: {}", renewed.error().format());
    if (!isLeader()) {
      setLeader(false);
      spdlog::warn("leader election: {} lost lease {}/{} (no renewal for {} ms)", config_.identity,
                   config_.leaseNamespace, config_.leaseName, config_.renewDeadline.count());
      if (onStoppedLeading) onStoppedLeading();
      return okStatus();
    }
  }
  if (config_.releaseOnStop) {
    if (auto r = release(); !r) spdlog::warn("leader election: release failed: {}", r.error().format());
  }
  setLeader(false);
  spdlog::info("leader election: {} stopped leading", config_.identity);
  if (onStoppedLeading) onStoppedLeading();
  return okStatus();
}

}  // namespace aviary::kube
