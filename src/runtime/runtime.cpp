#include "runtime/runtime.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/log.h"
#include "controller/manual.h"
#include "controller/status.h"

namespace aviary::runtime {

using api::Phase;
using controller::Event;
using controller::EventType;

// Everything the runtime keeps about one canary. Fields are guarded as marked.
struct Runtime::Entry {
  std::string key, ns, name;
  // Runtime::mu_
  std::shared_ptr<const api::Canary> synced;  // the version the sync handler last accepted
  // tickMu (held for a whole tick or finalize step)
  std::mutex tickMu;
  controller::CanaryRuntime rt;
  std::unique_ptr<controller::Target> target;
  std::unique_ptr<router::Router> router;
  std::string partsKey;       // what target and router were made for
  api::CanaryStatus written;  // the status as last written to (or read from) the store
  bool loaded = false;        // rt.status initialised from the store
  std::atomic<int> inTick{0};
  // Runtime::schedMu_
  Duration interval{0};
  uint64_t seq = 0;
  bool scheduled = false, running = false, pending = false, removed = false;
  Clock::SteadyPoint pendingDue{};
  uint64_t ticks = 0;
  // actionMu (its own lock: every tick looks, and schedMu_ is the scheduler's)
  std::mutex actionMu;
  std::optional<controller::ManualAction> action;  // asked through requestAction
};

namespace {

std::pair<std::string, std::string> splitKey(const std::string& key) {
  const auto slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

bool hasFinalizer(const api::Canary& c) {
  return std::find(c.metadata.finalizers.begin(), c.metadata.finalizers.end(), platform::kFinalizer) !=
         c.metadata.finalizers.end();
}

int32_t iterationsOf(const api::Canary& c) { return c.spec.analysis ? c.spec.analysis->iterations.value_or(0) : 0; }

constexpr size_t kLatenessReservoir = 1 << 16;

}  // namespace

Runtime::Runtime(RuntimeDeps deps, RuntimeOptions options)
    : deps_(deps), options_(std::move(options)), queue_(*deps.clock), pool_(options_.pool) {
  controller::EngineDeps engineDeps{deps_.clock,  deps_.checker, deps_.webhooks, deps_.alerts,
                                    &deps_.platform->events(), deps_.observer,
                                    deps_.recorder ? deps_.recorder : deps_.metrics};
  if (deps_.history) {
    history_ = std::make_unique<HistoryBuilder>(*deps_.clock, deps_.platform->events(), deps_.history);
    engineDeps.events = history_.get();
    engineDeps.tap = history_.get();
  }
  engine_ = std::make_unique<controller::Engine>(engineDeps, options_.engine);
}

Runtime::~Runtime() {
  stop(Duration(30 * 1000));
  pool_.stop();
}

Duration Runtime::intervalOf(const api::Canary& canary) const {
  Duration base{60 * 1000};
  if (canary.spec.analysis && !canary.spec.analysis->intervalText.empty()) {
    // Re-read from the text: the decoder already applied Flagger's 10 s floor, and a scaled
    // interval must start from what the user wrote.
    if (auto d = parseDuration(canary.spec.analysis->intervalText); d.ok() && d->count() > 0) base = *d;
  }
  auto scaled = Duration(static_cast<int64_t>(static_cast<double>(base.count()) * options_.timeScale));
  return std::max(scaled, options_.minInterval);
}

void Runtime::start() {
  if (started_) return;
  started_ = true;
  deps_.platform->store().watch([this](const platform::Change& c) { onChange(c); });
  for (int i = 0; i < std::max(1, options_.threadiness); ++i) threads_.emplace_back([this] { syncWorker(); });
  threads_.emplace_back([this] { schedulerLoop(); });
  threads_.emplace_back([this] { controlLoop(); });
  ready_ = true;
}

bool Runtime::stop(Duration grace) {
  if (!started_ || stopping_.exchange(true)) return true;
  ready_ = false;
  queue_.shutDown();
  {
    std::lock_guard lock(schedMu_);
    schedCv_.notify_all();
  }
  stopCv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  std::unique_lock lock(schedMu_);
  const bool drained = idleCv_.wait_for(lock, grace, [&] { return running_ == 0; });
  if (!drained) spdlog::warn("{} tick(s) still running after the stop grace period", running_);
  return drained;
}

void Runtime::onChange(const platform::Change& change) {
  // Templates, alert providers and secrets are looked up at every tick: only canaries are synced.
  if (change.kind != platform::Kind::Canary || stopping_) return;
  queue_.add(change.namespace_ + "/" + change.name);
}

void Runtime::syncWorker() {
  while (auto key = queue_.get()) {
    Status st = okStatus();
    try {
      st = sync(*key);
    } catch (const std::exception& e) {
      st = makeError(ErrorCode::Internal, e.what());
    }
    if (st) {
      queue_.forget(*key);
    } else {
      spdlog::error("error syncing '{}': {}", *key, st.error().message);
      queue_.addRateLimited(*key);
    }
    queue_.done(*key);
  }
}

Status Runtime::sync(const std::string& key) {
  auto& store = deps_.platform->store();
  const auto [ns, name] = splitKey(key);
  auto c = store.getCanary(ns, name);
  if (!c) {
    removeEntry(key);
    return okStatus();
  }
  EntryPtr entry;
  {
    std::lock_guard lock(mu_);
    auto& slot = entries_[key];
    if (!slot) {
      slot = std::make_shared<Entry>();
      slot->key = key;
      slot->ns = ns;
      slot->name = name;
    }
    entry = slot;
  }
  if (!c->metadata.deletionTimestamp.empty()) {
    if (!hasFinalizer(*c)) return okStatus();  // nothing to revert: the store deletes it
    if (!c->spec.revertOnDeletion) {
      // Opted out while deleting: let it go.
      auto fin = c->metadata.finalizers;
      fin.erase(std::remove(fin.begin(), fin.end(), platform::kFinalizer), fin.end());
      auto r = store.setFinalizers(ns, name, c->metadata.resourceVersion, fin);
      return r ? okStatus() : Status(r.error());
    }
    return finalize(entry, c);
  }
  if (!c->spec.revertOnDeletion && hasFinalizer(*c)) {
    spdlog::info("{}.{} opting out, deleting finalizers", name, ns);
    auto fin = c->metadata.finalizers;
    fin.erase(std::remove(fin.begin(), fin.end(), platform::kFinalizer), fin.end());
    auto r = store.setFinalizers(ns, name, c->metadata.resourceVersion, fin);
    return r ? okStatus() : Status(r.error());  // the write comes back as a change
  }
  if (const auto& a = c->spec.analysis; a && a->sessionAffinity &&
                                          a->sessionAffinity->cookieName == a->sessionAffinity->primaryCookieName) {
    return makeError(ErrorCode::Invalid,
                     "invalid canary spec: can't use the same cookie name for both primary and cookie name; please "
                     "update them to be different");
  }
  if (c->status.conditions.empty()) {
    api::CanaryStatus st = c->status;
    controller::StatusWriter(*deps_.clock, *c, st, iterationsOf(*c)).setPhase(Phase::Initializing);
    auto r = store.updateStatus(ns, name, c->metadata.resourceVersion, st);
    return r ? okStatus() : Status(r.error());  // the write comes back as a change
  }
  if (c->spec.revertOnDeletion && !hasFinalizer(*c)) {
    auto fin = c->metadata.finalizers;
    fin.push_back(platform::kFinalizer);
    auto r = store.setFinalizers(ns, name, c->metadata.resourceVersion, fin);
    return r ? okStatus() : Status(r.error());
  }
  {
    std::lock_guard lock(mu_);
    entry->synced = c;
  }
  const Duration interval = intervalOf(*c);
  std::lock_guard lock(schedMu_);
  if (entry->removed) return okStatus();
  if (!entry->scheduled || entry->interval != interval) {
    // A new job, or a changed interval: (re)start the job with an immediate tick (§2.3).
    entry->interval = interval;
    entry->scheduled = true;
    ++entry->seq;
    heap_.push(Due{deps_.clock->monotonic(), key, entry->seq, /*first=*/true});
    schedCv_.notify_all();
  } else if (c->metadata.annotations.count(controller::kActionAnnotation)) {
    tickNow(key, entry->seq);  // a manual action: now rather than at the next interval
  }
  spdlog::debug("Synced {}", key);
  return okStatus();
}

Status Runtime::finalize(const EntryPtr& entry, const std::shared_ptr<const api::Canary>& canary) {
  {
    std::lock_guard lock(schedMu_);
    entry->scheduled = false;  // no more ticks
    ++entry->seq;
  }
  std::lock_guard tick(entry->tickMu);  // waits for a running tick
  auto& store = deps_.platform->store();
  const auto& c = *canary;
  auto record = [&](EventType type, const std::string& msg, Phase phase) {
    deps_.platform->events().record(c, Event{type, msg, phase, deps_.clock->now()});
  };
  if (!ensureParts(*entry, c)) return makeError(ErrorCode::Unavailable, "target or router unavailable");
  api::CanaryStatus st = c.status;
  std::string version = c.metadata.resourceVersion;
  if (st.phase != Phase::Terminating) {
    controller::StatusWriter(*deps_.clock, c, st, iterationsOf(c)).setPhase(Phase::Terminating);
    auto r = store.updateStatus(entry->ns, entry->name, version, st);
    if (!r) return r.error();
    version = *r;
    record(EventType::Normal, fmt::format("Terminating canary {}.{}", c.metadata.name, c.metadata.namespace_),
           Phase::Terminating);
    if (history_) history_->afterTick(c, st);
  }
  if (c.spec.autoscalerRef) {
    if (auto s = entry->target->resumeTargetScaler(c); !s) return s;
  }
  if (auto s = entry->target->revert(c); !s) return s;
  auto ready = entry->target->isCanaryReady(c);
  if (!ready.isReady()) {
    return makeError(ErrorCode::Unavailable, "canary not ready during finalizing: " + ready.message);
  }
  if (auto s = entry->router->finalize(c); !s) return s;
  // Flagger never writes Terminated; we do, so that the last status a watcher sees says so.
  controller::StatusWriter(*deps_.clock, c, st, iterationsOf(c)).setPhase(Phase::Terminated);
  auto r = store.updateStatus(entry->ns, entry->name, version, st);
  if (!r) return r.error();
  entry->rt.status = st;
  entry->written = st;
  record(EventType::Normal, fmt::format("Terminated canary {}.{}", c.metadata.name, c.metadata.namespace_),
         Phase::Terminated);
  auto fin = c.metadata.finalizers;
  fin.erase(std::remove(fin.begin(), fin.end(), platform::kFinalizer), fin.end());
  auto f = store.setFinalizers(entry->ns, entry->name, *r, fin);
  return f ? okStatus() : Status(f.error());
}

void Runtime::removeEntry(const std::string& key) {
  EntryPtr entry;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    entry = it->second;
    entries_.erase(it);
  }
  {
    std::lock_guard lock(schedMu_);
    entry->removed = true;
    entry->scheduled = false;
    ++entry->seq;
  }
  spdlog::info("Deleting {} from cache", key);
  std::lock_guard tick(entry->tickMu);  // after its last tick
  auto last = entry->rt.resource ? entry->rt.resource : entry->synced;
  if (last && history_) history_->forget(*last);
  if (last) deps_.platform->forget(*last);  // while its target and router still exist
  entry->rt.target = nullptr;
  entry->rt.router = nullptr;
  entry->target.reset();
  entry->router.reset();
}

void Runtime::schedulerLoop() {
  std::unique_lock lock(schedMu_);
  while (!stopping_) {
    const auto now = deps_.clock->monotonic();
    while (!heap_.empty() && heap_.top().at <= now) {
      Due d = heap_.top();
      heap_.pop();
      EntryPtr entry;
      {
        std::lock_guard l(mu_);
        auto it = entries_.find(d.key);
        if (it != entries_.end()) entry = it->second;
      }
      if (!entry || entry->removed || !entry->scheduled || entry->seq != d.seq) continue;
      if (!d.oneOff) {
        // Go ticker semantics: the next tick keeps the cadence; ticks missed meanwhile are dropped.
        auto next = d.at + entry->interval;
        if (d.first && options_.spreadCadence) next += cadenceOffset(d.key, entry->interval);
        while (next <= now) next += entry->interval;
        heap_.push(Due{next, d.key, d.seq});
      }
      if (entry->running) {
        if (!entry->pending) {
          entry->pending = true;
          entry->pendingDue = d.at;
        }
      } else {
        dispatch(entry, d.at);
      }
    }
    if (heap_.empty()) {
      schedCv_.wait(lock);
    } else {
      const auto wait = heap_.top().at - deps_.clock->monotonic();
      schedCv_.wait_for(lock, std::max<std::chrono::steady_clock::duration>(wait, std::chrono::microseconds(100)));
    }
  }
}

Duration Runtime::cadenceOffset(const std::string& key, Duration interval) {
  if (interval.count() <= 0) return Duration(0);
  // FNV-1a: stable across runs and platforms (std::hash is neither promised), so a restarted
  // controller puts each canary back on the same offset.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : key) h = (h ^ ch) * 1099511628211ull;
  return Duration(static_cast<Duration::rep>(h % static_cast<uint64_t>(interval.count())));
}

void Runtime::dispatch(const EntryPtr& entry, Clock::SteadyPoint due) {
  entry->running = true;
  ++entry->ticks;
  ++running_;
  pool_.submit([this, entry, due] {
    try {
      runTick(entry, due);
    } catch (const std::exception& e) {
      spdlog::error("tick of {} failed: {}", entry->key, e.what());
    }
    tickDone(entry);
  });
}

void Runtime::tickDone(const EntryPtr& entry) {
  std::lock_guard lock(schedMu_);
  entry->running = false;
  --running_;
  if (entry->pending) {
    entry->pending = false;
    if (!stopping_ && entry->scheduled && !entry->removed) dispatch(entry, entry->pendingDue);
  }
  idleCv_.notify_all();
}

bool Runtime::ensureParts(Entry& entry, const api::Canary& canary) {
  const auto& ref = canary.spec.targetRef;
  const std::string provider = canary.spec.provider.empty() ? options_.engine.meshProvider : canary.spec.provider;
  const std::string partsKey = ref.apiVersion + "/" + ref.kind + "/" + ref.name + "|" + provider;
  if (entry.target && entry.router && entry.partsKey == partsKey) return true;
  auto warn = [&](const std::string& msg) {
    spdlog::error("{}.{}: {}", canary.metadata.name, canary.metadata.namespace_, msg);
    deps_.platform->events().record(canary, Event{EventType::Warning, msg, canary.status.phase, deps_.clock->now()});
  };
  auto target = deps_.platform->makeTarget(canary);
  if (!target) {
    warn(target.error().message);
    return false;
  }
  auto router = deps_.platform->makeRouter(canary, provider);
  if (!router) {
    warn(router.error().message);
    return false;
  }
  entry.target = std::move(*target);
  entry.router = std::move(*router);
  entry.partsKey = partsKey;
  entry.rt.target = entry.target.get();
  entry.rt.router = entry.router.get();
  return true;
}

void Runtime::runTick(const EntryPtr& entry, Clock::SteadyPoint due) {
  const double late = std::chrono::duration<double>(deps_.clock->monotonic() - due).count();
  recordLateness(late);
  if (deps_.metrics) deps_.metrics->tickStarted(late);
  std::lock_guard tick(entry->tickMu);
  const int overlap = ++entry->inTick;
  int seen = maxOverlap_.load();
  while (overlap > seen && !maxOverlap_.compare_exchange_weak(seen, overlap)) {
  }
  struct Leave {
    std::atomic<int>& n;
    ~Leave() { --n; }
  } leave{entry->inTick};

  // Flagger re-reads the canary at every tick (§2.3): the store is memory, so this is cheap.
  auto fresh = deps_.platform->store().getCanary(entry->ns, entry->name);
  if (!fresh) {
    spdlog::info("Canary {}.{} not found", entry->name, entry->ns);
    return;
  }
  if (!fresh->metadata.deletionTimestamp.empty()) return;  // being finalized
  auto& rt = entry->rt;
  if (!entry->loaded || !(fresh->status == entry->written)) {
    // First tick (resume from the stored status), or someone else wrote the status: adopt it.
    rt.status = fresh->status;
    entry->written = fresh->status;
    entry->loaded = true;
  }
  if (!ensureParts(*entry, *fresh)) return;
  takeAction(*entry, fresh);
  rt.resource = fresh;
  engine_->tick(rt);
  writeStatus(*entry);
  if (history_) history_->afterTick(*fresh, rt.status);
}

void Runtime::tickNow(const std::string& key, uint64_t seq) {
  Due d{deps_.clock->monotonic(), key, seq};
  d.oneOff = true;
  heap_.push(d);
  schedCv_.notify_all();
}

Status Runtime::requestAction(const std::string& ns, const std::string& name, controller::ManualAction action) {
  auto c = deps_.platform->store().getCanary(ns, name);
  if (!c) return makeError(ErrorCode::NotFound, fmt::format("canaries.flagger.app \"{}\" not found in namespace {}", name, ns));
  const auto d = controller::decide(action, c->status.phase, controller::isPaused(c->status));
  if (!d.applies) return makeError(ErrorCode::Invalid, d.reason);
  const std::string key = ns + "/" + name;
  EntryPtr entry;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) entry = it->second;
  }
  std::lock_guard lock(schedMu_);
  if (!entry || !entry->scheduled || entry->removed) {
    return makeError(ErrorCode::Unavailable, fmt::format("canary {}.{} is not scheduled yet; try again", name, ns));
  }
  {
    std::lock_guard a(entry->actionMu);
    entry->action = std::move(action);
  }
  tickNow(key, entry->seq);
  return okStatus();
}

// The action for this tick: one asked through requestAction, else the annotation's, which is
// removed from the canary first (a failed removal leaves it for the next tick, so that an action
// is applied once and only once it is consumed).
void Runtime::takeAction(Entry& entry, std::shared_ptr<const api::Canary>& fresh) {
  {
    std::lock_guard lock(entry.actionMu);
    if (entry.action) {
      entry.rt.action = std::move(entry.action);
      entry.action.reset();
    }
  }
  const auto& ann = fresh->metadata.annotations;
  if (!ann.count(controller::kActionAnnotation)) return;
  auto parsed = controller::actionFromAnnotations(ann);
  auto removed = deps_.platform->store().removeAnnotations(
      entry.ns, entry.name, fresh->metadata.resourceVersion,
      {controller::kActionAnnotation, controller::kActionByAnnotation, controller::kActionAtAnnotation});
  if (!removed) {
    spdlog::warn("{}.{}: could not consume the annotation {} (retried at the next tick): {}", entry.name, entry.ns,
                 controller::kActionAnnotation, removed.error().message);
    return;
  }
  if (!parsed) {
    deps_.platform->events().record(
        *fresh, Event{EventType::Warning, "Manual action refused: " + parsed.error().message, fresh->status.phase,
                      deps_.clock->now()});
    return;
  }
  if (auto latest = deps_.platform->store().getCanary(entry.ns, entry.name)) fresh = latest;
  entry.rt.action = std::move(*parsed);
}

void Runtime::writeStatus(Entry& entry) {
  auto& rt = entry.rt;
  if (rt.status == entry.written) return;
  auto& store = deps_.platform->store();
  for (int attempt = 0; attempt < options_.statusWriteAttempts; ++attempt) {
    auto latest = store.getCanary(entry.ns, entry.name);
    if (!latest) return;
    auto r = store.updateStatus(entry.ns, entry.name, latest->metadata.resourceVersion, rt.status);
    if (r) {
      entry.written = rt.status;
      return;
    }
    if (r.error().code != ErrorCode::Conflict) {
      spdlog::error("{}.{}: status write failed (retried at the next tick): {}", entry.name, entry.ns,
                    r.error().message);
      return;
    }
    if (deps_.metrics) deps_.metrics->statusConflict();
  }
  spdlog::error("{}.{}: status write gave up after {} conflicts (retried at the next tick)", entry.name, entry.ns,
                options_.statusWriteAttempts);
}

void Runtime::controlLoop() {
  std::mutex m;
  std::unique_lock lock(m);
  while (!stopping_) {
    std::map<std::string, double> perNamespace;
    std::map<std::string, std::string> targets;
    for (const auto& c : deps_.platform->store().listCanaries()) {
      perNamespace[c->metadata.namespace_] += 1;
      const std::string t = c->spec.targetRef.name + "." + c->metadata.namespace_;
      if (!targets.emplace(t, c->metadata.name).second) {
        spdlog::error("Bad things will happen! Found more than one canary with the same target {}", t);
      }
    }
    if (deps_.metrics) {
      for (const auto& [ns, n] : perNamespace) deps_.metrics->setCanaryTotal(ns, n);
    }
    stopCv_.wait_for(lock, options_.controlLoopInterval, [&] { return stopping_.load(); });
  }
}

void Runtime::recordLateness(double seconds) {
  std::lock_guard lock(latMu_);
  if (lateness_.size() < kLatenessReservoir) {
    lateness_.push_back(seconds);
  } else {
    lateness_[latNext_] = seconds;
    latNext_ = (latNext_ + 1) % kLatenessReservoir;
  }
  ++latCount_;
  latMax_ = std::max(latMax_, seconds);
}

LatenessSummary Runtime::lateness() const {
  std::vector<double> v;
  LatenessSummary s;
  {
    std::lock_guard lock(latMu_);
    v = lateness_;
    s.ticks = latCount_;
    s.max = latMax_;
  }
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.p50 = v[v.size() / 2];
  s.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  return s;
}

void Runtime::resetLateness() {
  std::lock_guard lock(latMu_);
  lateness_.clear();
  latNext_ = 0;
  latMax_ = 0;
}

size_t Runtime::canaries() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

size_t Runtime::ticksRunning() const {
  std::lock_guard lock(schedMu_);
  return running_;
}

uint64_t Runtime::ticksOf(const std::string& key) const {
  EntryPtr e;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return 0;
    e = it->second;
  }
  std::lock_guard lock(schedMu_);
  return e->ticks;
}

}  // namespace aviary::runtime
