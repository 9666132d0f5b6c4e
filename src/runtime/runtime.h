#pragma once
// The controller runtime: runs many canaries at once over one Platform (platform/platform.h).
//
//  store changes ──► WorkQueue ──► `threadiness` sync workers (Flagger's syncHandler, §2.2:
//                                  initial status, finalizer, deletion, job upsert)
//  scheduler thread ──► TickPool ──► Engine::tick per canary, then its status written back
//
// Scheduling follows Flagger's per-canary jobs (flagger-scheduler.md §2.3) on the clock's
// monotonic time: a canary is ticked as soon as it is synced and then every effective interval;
// two ticks of one canary never overlap; a tick still running when the next is due makes that
// one wait (one pending tick at most, run right after; further missed ticks are dropped); ticks
// of different canaries run concurrently on their own threads (TickPool), so one blocking
// webhook, gate, metric query or notifier — each bounded by its own deadline — never delays
// another canary's tick.
//
// Status: after every tick that changed it, written through Store::updateStatus; on Conflict the
// canary is re-read and the status re-applied (Flagger's RetryOnConflict). A status changed in
// the store by someone else is adopted at the next tick. A spec change is picked up at the next
// tick (the tick uses the latest synced spec).
//
// Deletion: with revertOnDeletion the finalizer `finalizer.flagger.app` is added; when the
// canary's deletion is pending the runtime stops ticking it, writes phase Terminating, reverts
// the target and the routes, writes Terminated and removes the finalizer (retried with back-off
// until it succeeds). When the canary is gone the platform is told to collect what it created.
//
// Threading: start()/stop() from one thread; everything else is internal. The runtime owns its
// threads; the Platform and every dependency must outlive it.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "controller/alerts.h"
#include "controller/engine.h"
#include "platform/platform.h"
#include "runtime/controller_metrics.h"
#include "runtime/history_builder.h"
#include "runtime/tick_pool.h"
#include "runtime/work_queue.h"

namespace aviary::runtime {

struct RuntimeOptions {
  int threadiness = 2;                // sync workers (Flagger's -threadiness)
  controller::EngineOptions engine;   // global mesh provider, event webhook
  // Effective tick period = analysis.interval (as written; 60s when absent or unparsable)
  // × timeScale, at least minInterval. Flagger: scale 1, minimum 10 s.
  double timeScale = 1.0;
  Duration minInterval{10 * 1000};
  Duration controlLoopInterval{10 * 1000};  // flagger_canary_total refresh
  TickPool::Options pool;
  int statusWriteAttempts = 5;  // Conflict retries per write (client-go's DefaultRetry has 5 steps)
  // Flagger's jobs keep the cadence of their first tick, so canaries whose jobs start together (a
  // controller restart, a bulk apply) tick together forever: N ticks at once every interval. With
  // spreadCadence the first tick stays immediate, and the second comes `interval + offset` later,
  // offset in [0, interval) from a hash of the canary's key, after which the cadence is regular.
  // Off: exactly Flagger's timing (the runtime's unit tests pin it).
  bool spreadCadence = true;
};

struct RuntimeDeps {
  platform::Platform* platform = nullptr;
  metrics::MetricChecker* checker = nullptr;    // looks templates and secrets up live
  webhooks::WebhookCaller* webhooks = nullptr;  // every call bounded by the hook's timeout
  controller::AlertRouter* alerts = nullptr;    // looks providers up live
  const Clock* clock = nullptr;
  ControllerMetrics* metrics = nullptr;         // optional (the runtime's own counters)
  // Where the engine's metric calls go (optional; default `metrics`). E.g. a LastValues in front
  // of `metrics`.
  controller::Recorder* recorder = nullptr;
  controller::TickObserver* observer = nullptr; // optional
  // Where finished analyses are kept (controller/history.h); optional, none = no history built.
  controller::HistoryStore* history = nullptr;
};

// Tick lateness in seconds over the runtime's life (a bounded reservoir of the latest samples).
struct LatenessSummary {
  uint64_t ticks = 0;
  double p50 = 0, p99 = 0, max = 0;
};

class Runtime {
 public:
  Runtime(RuntimeDeps deps, RuntimeOptions options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Subscribes to the store and starts the workers, the scheduler and the control loop.
  void start();
  // Graceful stop: no new ticks or syncs; waits up to `grace` for running ticks (each writes its
  // status as it ends). True when all ended in time. Idempotent.
  bool stop(Duration grace);
  // True once started and until stop() begins.
  bool ready() const { return ready_.load(); }

  // The effective tick period of a canary (see RuntimeOptions).
  Duration intervalOf(const api::Canary& canary) const;

  size_t canaries() const;
  size_t ticksRunning() const;
  LatenessSummary lateness() const;
  // Starts a new lateness window (benchmarks measure after a warm-up).
  void resetLateness();
  // Ticks run per canary key "ns/name" (tests).
  uint64_t ticksOf(const std::string& key) const;
  // The largest number of overlapping ticks of one canary ever seen (must stay 1; tests).
  int maxOverlap() const { return maxOverlap_.load(); }

  // Asks for a manual action on canary ns/name (controller/manual.h): decided against the stored
  // status at once (a refusal is an Invalid error with the reason; NotFound when there is no such
  // canary, Unavailable while it is not scheduled yet), then applied by a tick run right away
  // (the tick decides again: the phase may have moved meanwhile). The Kubernetes channel, the
  // annotation aviary.dev/action, is consumed by the ticks themselves.
  Status requestAction(const std::string& ns, const std::string& name, controller::ManualAction action);

  // The spreadCadence offset of `key` for `interval`: in [0, interval), the same on every run.
  static Duration cadenceOffset(const std::string& key, Duration interval);

 private:
  struct Entry;
  using EntryPtr = std::shared_ptr<Entry>;
  struct Due {
    Clock::SteadyPoint at;
    std::string key;
    uint64_t seq;
    bool first = false;  // the job's immediate first tick
    bool oneOff = false; // an extra tick (a manual action): the cadence is not continued from it
    bool operator>(const Due& o) const { return at > o.at; }
  };

  void onChange(const platform::Change& change);
  void syncWorker();
  Status sync(const std::string& key);
  Status finalize(const EntryPtr& entry, const std::shared_ptr<const api::Canary>& canary);
  void removeEntry(const std::string& key);

  void schedulerLoop();
  void controlLoop();
  void dispatch(const EntryPtr& entry, Clock::SteadyPoint due);  // under schedMu_
  void runTick(const EntryPtr& entry, Clock::SteadyPoint due);
  void tickDone(const EntryPtr& entry);
  bool ensureParts(Entry& entry, const api::Canary& canary);
  void writeStatus(Entry& entry);
  void takeAction(Entry& entry, std::shared_ptr<const api::Canary>& fresh);
  void tickNow(const std::string& key, uint64_t seq);  // under schedMu_
  void recordLateness(double seconds);

  RuntimeDeps deps_;
  RuntimeOptions options_;
  std::unique_ptr<HistoryBuilder> history_;  // when deps_.history
  std::unique_ptr<controller::Engine> engine_;
  WorkQueue queue_;
  TickPool pool_;

  mutable std::mutex mu_;  // entries_
  std::map<std::string, EntryPtr> entries_;

  mutable std::mutex schedMu_;  // jobs: Entry scheduling fields, heap_, running_
  std::condition_variable schedCv_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> heap_;
  size_t running_ = 0;
  std::condition_variable idleCv_;

  mutable std::mutex latMu_;
  std::vector<double> lateness_;  // reservoir (ring)
  size_t latNext_ = 0;
  uint64_t latCount_ = 0;
  double latMax_ = 0;

  std::atomic<bool> ready_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> maxOverlap_{0};
  std::vector<std::thread> threads_;
  std::condition_variable stopCv_;
  bool started_ = false;
};

}  // namespace aviary::runtime
