#include "proxy/worker.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "proxy/session.h"

namespace aviary::proxy {

Worker::Worker(size_t index, const ConfigStore& config, StatsRegistry& registry)
    : index_(index),
      config_(config),
      registry_(registry),
      stats_(registry.addThread()),
      upstreams_(loop_, index, registry.activeUpstream),
      rng_(0x9E3779B97F4A7C15ull ^ (index + 1) * 0xD1B54A32D192ED03ull ^
           static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {
  head_.prev = head_.next = &head_;
}

Worker::~Worker() {
  stop();
  for (auto& l : listeners_) {
    if (l->fd >= 0) ::close(l->fd);
  }
  for (const ListenerChange& c : changes_) {  // queued after the thread ended
    if (c.fd >= 0) ::close(c.fd);
  }
}

void Worker::addListener(int fd, std::shared_ptr<const std::string> name) {
  std::lock_guard lock(changesMu_);
  changes_.push_back({fd, std::move(name)});
  if (running_) loop_.wakeup();
}

void Worker::removeListener(const std::string& name) {
  std::lock_guard lock(changesMu_);
  changes_.push_back({-1, std::make_shared<const std::string>(name)});
  if (running_) loop_.wakeup();
}

void Worker::waitListenerChanges() {
  std::unique_lock lock(changesMu_);
  changesCv_.wait(lock, [this] { return changes_.empty() || !running_; });
}

// Worker thread (or before start). A removed socket is closed here; closing also takes it out of
// the epoll set. Connections still in its accept queue are reset by the kernel, which is what
// removing a listener means.
void Worker::applyListenerChanges() {
  std::vector<ListenerChange> changes;
  {
    std::lock_guard lock(changesMu_);
    if (changes_.empty()) return;
    changes.swap(changes_);
  }
  for (ListenerChange& c : changes) {
    if (c.fd >= 0) {
      listeners_.push_back(std::make_unique<Listener>(*this, c.fd, std::move(c.name)));
      loop_.add(c.fd, listeners_.back().get());  // the first poll reports a pending backlog
      continue;
    }
    for (auto it = listeners_.begin(); it != listeners_.end();) {
      if (*(*it)->name != *c.name) {
        ++it;
        continue;
      }
      if ((*it)->fd >= 0) ::close((*it)->fd);
      (*it)->fd = -1;
      // An event of this round may still name the handler: free it with the round's retired objects.
      loop_.retire(std::shared_ptr<Listener>(it->release()));
      it = listeners_.erase(it);
    }
  }
  std::lock_guard lock(changesMu_);
  changesCv_.notify_all();
}

void Worker::start() {
  refresh();
  applyListenerChanges();
  nextTick_ = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(changesMu_);
    running_ = true;
  }
  thread_ = std::thread([this] { run(); });
}

// The event loop, in rounds like HAProxy's: one epoll_wait, every ready event handled (reads,
// parsing, routing; each handler reads only what an edge or a full read said is there), the
// 10 ms deadline tick when due, and only then the writes those handlers produced, sent together:
// requests to the backends first, then responses to the clients. Sending each write the moment
// it is built wakes the peer on the other end once per write; on a machine where the proxy shares
// cores with its clients and backends, the woken peer often preempts this thread in the middle of
// the round (measured with bench/proxy.sh's setup: context switches per request 0.29 -> 0.16).
void Worker::run() {
  using std::chrono::steady_clock;
  while (!stopped_.load(std::memory_order_relaxed)) {
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(nextTick_ - steady_clock::now()).count();
    ++round_;
    applyListenerChanges();
    resumed_.swap(nextRound_);
    loop_.poll(resumed_.empty() ? static_cast<int>(std::max<int64_t>(0, wait)) : 0);
    if (steady_clock::now() >= nextTick_) tick();
    for (auto& [d, keep] : resumed_) d->flushDeferred();
    resumed_.clear();
    flushDeferred();
  }
  shutdown();
  flushDeferred();  // aborted exchanges report, sessions and mirrors unwind
  nextRound_.clear();
}

void Worker::flushDeferred() {
  // A flush may defer again (a pipelined request dispatched by a completed response, a failed
  // write turning into a local reply), so index instead of iterating, copy each entry out before
  // calling it, and repeat until both queues are empty.
  while (!deferredUp_.empty() || !deferredDown_.empty()) {
    if (deferredUp_.size() + deferredDown_.size() > 1) presend();
    for (auto* queue : {&deferredUp_, &deferredDown_}) {
      for (size_t i = 0; i < queue->size(); ++i) {
        auto [d, keep] = std::move((*queue)[i]);
        d->flushDeferred();
      }
      queue->clear();
    }
  }
}

// Sends the writes the queued flushes begin with, in queue order and in one system call, so that
// a peer woken by one of them cannot preempt this thread before the others are out (why:
// send_batch.h). The flushes then run as usual and find their writes done, or the socket full.
void Worker::presend() {
  if (const SnapshotPtr& snap = snapshot(); !snap || !snap->config().batchSends) return;
  if (!batchTried_) {
    batchTried_ = true;
    batch_ = std::make_unique<SendBatch>(&registry_.sendBatches, &registry_.batchedSends);
    if (!batch_->enabled()) spdlog::info("proxy: worker {} sends one write per system call ({})", index_, batch_->why());
  }
  if (!batch_->enabled()) return;
  for (auto* queue : {&deferredUp_, &deferredDown_}) {
    for (auto& [d, keep] : *queue) {
      if (const Deferred::Write w = d->pendingWrite(); w.stream != nullptr) batch_->add(*w.stream, *w.cursor);
    }
  }
  batch_->submit();
}

void Worker::stop() {
  if (stopped_.exchange(true) || !thread_.joinable()) return;
  loop_.wakeup();
  thread_.join();
  std::lock_guard lock(changesMu_);
  running_ = false;
  changesCv_.notify_all();
}

void Worker::refresh() {
  version_ = config_.version();
  snapshot_ = config_.get();
}

void Worker::acceptAll(Listener& l) {
  const bool retrying = l.retry;
  l.retry = false;
  for (;;) {
    const int fd = ::accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // Out of fds or similar: the backlog stays queued and raises no new edge, so retry on the
      // next tick instead of spinning on the error.
      if (!retrying) spdlog::warn("proxy: accept failed: {} (retrying every 10 ms)", std::strerror(errno));
      l.retry = true;
      return;
    }
    auto session = std::make_shared<Session>(*this, fd, l.name);
    session->start();
  }
}

void Worker::link(Timed* t) {
  t->next = &head_;
  t->prev = head_.prev;
  head_.prev->next = t;
  head_.prev = t;
}

void Worker::unlink(Timed* t) {
  if (t->prev == nullptr) return;
  t->prev->next = t->next;
  t->next->prev = t->prev;
  t->prev = t->next = nullptr;
}

void Worker::shutdown() {
  for (auto& l : listeners_) {
    ::close(l->fd);
    l->fd = -1;
  }
  std::vector<std::shared_ptr<void>> alive;  // keep everything alive while closing
  for (Timed* t = head_.next; t != &head_; t = t->next) alive.push_back(t->self());
  for (Timed* t = head_.next; t != &head_;) {
    Timed* next = t->next;
    t->close();
    t = next;
  }
}

void Worker::tick() {
  const SteadyTime now = std::chrono::steady_clock::now();
  nextTick_ = now + std::chrono::milliseconds(10);
  for (auto& l : listeners_) {
    if (l->retry) acceptAll(*l);
  }
  if (now >= nextPurge_) {
    nextPurge_ = now + std::chrono::seconds(1);
    upstreams_.purgeIdle(now);
  }
  expired_.clear();
  for (Timed* t = head_.next; t != &head_; t = t->next) {
    if (t->deadline <= now) {
      t->deadline = SteadyTime::max();
      expired_.emplace_back(t, t->self());
    }
  }
  // Fire after the scan: a handler may unlink (destroy) other entries.
  for (auto& [t, keep] : expired_) t->onDeadline();
  expired_.clear();
}

}  // namespace aviary::proxy
