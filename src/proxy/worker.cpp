#include "proxy/worker.h"

#include <spdlog/spdlog.h>

#include "proxy/session.h"

namespace aviary::proxy {

namespace asio = boost::asio;

Worker::Worker(size_t index, const ConfigStore& config, StatsRegistry& registry)
    : index_(index),
      config_(config),
      registry_(registry),
      stats_(registry.addThread()),
      // Only this worker's thread ever touches the io_context (stop() is signalled through an
      // atomic the tick polls), so Asio may skip all scheduler and reactor locking.
      io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE),
      upstreams_(io_, index),
      rng_(0x9E3779B97F4A7C15ull ^ (index + 1) * 0xD1B54A32D192ED03ull ^
           static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())),
      tickTimer_(io_) {
  head_.prev = head_.next = &head_;
}

Worker::~Worker() {
  stop();
}

void Worker::addAcceptor(asio::ip::tcp::acceptor acceptor, size_t listenerIndex) {
  acceptors_.emplace_back(std::move(acceptor), listenerIndex);
}

void Worker::start() {
  refresh();
  for (size_t i = 0; i < acceptors_.size(); ++i) accept(i);
  tick();
  thread_ = std::thread([this] {
    run();
    exited_ = true;
  });
}

// The event loop. Handlers run in rounds: everything that is ready now (one blocking run_one(),
// then up to kRoundLimit more without blocking), and only then are the writes those handlers
// produced sent together, requests to the backends first, then responses to the clients (the
// order HAProxy's loop uses). Sending each write the moment it is built wakes the peer on the
// other end once per write; on a machine where the proxy shares cores with its clients and
// backends, the woken peer often preempts this thread in the middle of the round. Measured with
// bench/proxy.sh's setup: context switches per request 0.29 -> 0.16, p99 about 10% lower (see
// docs/benchmarks.md). The bound keeps a flood of ready events from holding writes back.
void Worker::run() {
  constexpr int kRoundLimit = 64;
  for (;;) {
    const size_t ran = io_.run_one();
    for (int i = 0; ran != 0 && i < kRoundLimit && io_.poll_one() != 0; ++i) {
    }
    flushDeferred();
    if (ran == 0) break;  // out of work (shutdown finished) or stopped
  }
}

void Worker::flushDeferred() {
  // A flush may defer again (a pipelined request dispatched by a completed response, a failed
  // write turning into a local reply), so index instead of iterating, copy each entry out before
  // calling it, and repeat until both queues are empty.
  while (!deferredUp_.empty() || !deferredDown_.empty()) {
    for (auto* queue : {&deferredUp_, &deferredDown_}) {
      for (size_t i = 0; i < queue->size(); ++i) {
        auto [d, keep] = std::move((*queue)[i]);
        d->flushDeferred();
      }
      queue->clear();
    }
  }
}

void Worker::stop() {
  if (stopped_.exchange(true) || !thread_.joinable()) return;
  // The tick sees stopped_ and shuts down on the worker thread; run() returns once every
  // connection has unwound.
  for (int i = 0; i < 300 && !exited_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!exited_) io_.stop();  // last resort: something still holds work
  thread_.join();
}

void Worker::refresh() {
  version_ = config_.version();
  snapshot_ = config_.get();
}

void Worker::accept(size_t slot) {
  auto& [acceptor, listenerIndex] = acceptors_[slot];
  acceptor.async_accept([this, slot](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
    auto& [acc, idx] = acceptors_[slot];
    if (ec == asio::error::operation_aborted || !acc.is_open()) return;
    if (ec) {
      // Out of fds or similar: back off briefly instead of spinning on the error.
      spdlog::warn("proxy: accept failed: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(50));
      timer->async_wait([this, slot, timer](const boost::system::error_code&) {
        if (!stopped_) accept(slot);
      });
      return;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket), idx);
    session->start();
    accept(slot);
  });
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
  boost::system::error_code ec;
  for (auto& [acc, idx] : acceptors_) acc.close(ec);
  std::vector<std::shared_ptr<void>> alive;  // keep everything alive while closing
  for (Timed* t = head_.next; t != &head_; t = t->next) alive.push_back(t->self());
  for (Timed* t = head_.next; t != &head_;) {
    Timed* next = t->next;
    t->close();
    t = next;
  }
}

void Worker::tick() {
  if (stopped_) {
    shutdown();
    return;  // no new tick: the loop ends when the closed connections have unwound
  }
  const SteadyTime now = std::chrono::steady_clock::now();
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
  tickTimer_.expires_after(std::chrono::milliseconds(10));
  tickTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

}  // namespace aviary::proxy
