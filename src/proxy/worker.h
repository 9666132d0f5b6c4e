#pragma once
// A worker: one thread, one edge-triggered event loop, its own SO_REUSEPORT listening sockets,
// upstream pools and statistics. Sessions never leave their worker, so the data path needs no
// locks; the only shared state is the published config snapshot (one atomic version check per
// request).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "proxy/event_loop.h"
#include "proxy/send_batch.h"
#include "proxy/snapshot.h"
#include "proxy/stats.h"
#include "proxy/upstream.h"

namespace aviary::proxy {

// The published configuration. set() is called by the control plane; workers poll version().
class ConfigStore {
 public:
  SnapshotPtr get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void set(SnapshotPtr s) {
    std::lock_guard lock(mu_);
    current_ = std::move(s);
    version_.fetch_add(1, std::memory_order_release);
  }
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mu_;
  SnapshotPtr current_;
  std::atomic<uint64_t> version_{0};
};

// Something with a deadline, checked by the worker's 10 ms tick (cheaper than arming a timer per
// request). Intrusively linked into its worker's list while alive.
class Timed {
 public:
  virtual ~Timed() = default;
  // Called on the worker thread once `deadline` has passed; the object stays alive meanwhile.
  virtual void onDeadline() {}
  // Closes every socket (worker shutdown); pending handlers then finish with an error.
  virtual void close() {}
  virtual std::shared_ptr<void> self() { return nullptr; }

  SteadyTime deadline = SteadyTime::max();
  Timed* prev = nullptr;
  Timed* next = nullptr;
};

// A transfer's share of one worker round: at most `perRound` parts of work per round, after
// which the transfer should wait for the next round (Worker::nextRound) so that the worker's
// other connections get their turn. Used by streamed responses and streamed request bodies.
class RoundBudget {
 public:
  explicit RoundBudget(uint32_t perRound) : perRound_(perRound) {}
  // Counts one part done in `round` (Worker::round()); true while another may follow at once.
  bool spend(uint64_t round) {
    if (round != round_) {
      round_ = round;
      used_ = 0;
    }
    return ++used_ < perRound_;
  }

 private:
  uint32_t perRound_;
  uint64_t round_ = 0;
  uint32_t used_ = 0;
};
// The budget of a streamed response and of a streamed request body: 4 parts of up to 64 KiB
// let a loopback transfer run near memory speed (bench/proxy.sh URLPATH=/files/1m.bin,
// bench/proxy/upload.sh) while another connection waits at most a few hundred KiB of copying.
inline constexpr uint32_t kPartsPerRound = 4;
// The same share in bytes, for transfers that count what they read rather than parts (a WebSocket
// tunnel's direction, a lingering close's drain).
inline constexpr size_t kBytesPerRound = kPartsPerRound * 64 * 1024;

// A write held back until the end of the current round of ready events (see Worker::run in
// worker.cpp for why). flushDeferred() is called once, on the worker thread, after the round.
class Deferred {
 public:
  virtual void flushDeferred() = 0;
  // The socket write flushDeferred() will begin with, when it is already known and no flush
  // queued before this one in the round can change it; Worker sends those ahead, all in one
  // system call (send_batch.h), and flushDeferred() then finds its write done or under way.
  struct Write {
    Stream* stream = nullptr;
    WriteCursor* cursor = nullptr;
  };
  virtual Write pendingWrite() { return {}; }

 protected:
  ~Deferred() = default;
};

class Worker {
 public:
  Worker(size_t index, const ConfigStore& config, StatsRegistry& registry);
  ~Worker();

  // Non-zero (an errno value) when the worker's event loop could not be created.
  int error() const { return loop_.error(); }
  // Thread-safe: adopts a bound, listening, non-blocking socket for the listener named `name`.
  // Before start() it is registered by start(); afterwards at the worker's next round. The
  // listener's config is looked up by name in the snapshot each request uses, so the config
  // naming it must be published before this is called.
  void addListener(int fd, std::shared_ptr<const std::string> name);
  // Thread-safe: closes this worker's sockets of listener `name` at its next round. Connections
  // accepted from them go on; a request they send once the published config no longer names the
  // listener is answered 503 and the connection closed (session.cpp).
  void removeListener(const std::string& name);
  // Blocks until every add/remove queued so far has been applied (at once when not running).
  void waitListenerChanges();
  void start();
  // Closes listeners and every connection, stops the thread and joins it. Idempotent.
  void stop();

  // Worker-thread only.
  EventLoop& loop() { return loop_; }
  const SnapshotPtr& snapshot() {
    if (config_.version() != version_) refresh();
    return snapshot_;
  }
  UpstreamManager& upstreams() { return upstreams_; }
  ThreadStats& stats() { return *stats_; }
  StatsRegistry& registry() { return registry_; }
  size_t index() const { return index_; }
  uint64_t random() {  // xorshift64*: cheap and good enough for traffic splitting
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 2685821657736338717ull;
  }
  // Queues `d` to be flushed after the current round; `keep` holds its owner alive until then.
  // Upstream writes are flushed before downstream ones, so that the backend has the whole
  // round's requests before the clients are woken with the round's responses.
  enum class Flush { Upstream, Downstream };
  void defer(Deferred* d, std::shared_ptr<void> keep, Flush which) {
    (which == Flush::Upstream ? deferredUp_ : deferredDown_).emplace_back(d, std::move(keep));
  }
  // Queues `d` to be flushed after the next round's events (that poll then does not wait): work
  // that could go on at once but should let the other connections have their turn first.
  void nextRound(Deferred* d, std::shared_ptr<void> keep) { nextRound_.emplace_back(d, std::move(keep)); }
  // Counts the loop's rounds (for per-round budgets).
  uint64_t round() const { return round_; }
  void link(Timed* t);
  void unlink(Timed* t);
  int mirrorsInFlight = 0;

 private:
  // A listening socket; accepts until the backlog is empty on each edge.
  struct Listener final : IoHandler {
    Listener(Worker& w, int f, std::shared_ptr<const std::string> n) : worker(w), fd(f), name(std::move(n)) {}
    void onIo(uint32_t) override { worker.acceptAll(*this); }
    Worker& worker;
    int fd;
    std::shared_ptr<const std::string> name;
    bool retry = false;  // accept failed (out of fds): retried by the tick
  };

  // A queued listener change (fd >= 0: add, else remove `name`).
  struct ListenerChange {
    int fd = -1;
    std::shared_ptr<const std::string> name;
  };

  void refresh();
  void applyListenerChanges();
  void run();
  void flushDeferred();
  void presend();
  void acceptAll(Listener& l);
  void tick();
  void shutdown();

  size_t index_;
  const ConfigStore& config_;
  StatsRegistry& registry_;
  std::shared_ptr<ThreadStats> stats_;
  Timed head_;  // sentinel of the Timed list
  EventLoop loop_;  // declared before everything that registers with it or retires into it
  UpstreamManager upstreams_;
  SnapshotPtr snapshot_;
  uint64_t version_ = ~0ull;
  uint64_t rng_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::mutex changesMu_;
  std::condition_variable changesCv_;
  std::vector<ListenerChange> changes_;  // guarded by changesMu_
  bool running_ = false;                 // guarded by changesMu_: the thread applies changes
  SteadyTime nextTick_{};
  SteadyTime nextPurge_{};  // of idle upstream connections, once a second
  uint64_t round_ = 0;
  std::vector<std::pair<Timed*, std::shared_ptr<void>>> expired_;
  std::vector<std::pair<Deferred*, std::shared_ptr<void>>> deferredUp_, deferredDown_, nextRound_, resumed_;
  std::unique_ptr<SendBatch> batch_;  // created on the worker thread when the config asks for it
  bool batchTried_ = false;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

}  // namespace aviary::proxy
