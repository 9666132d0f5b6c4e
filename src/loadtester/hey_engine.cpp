#include "loadtester/hey_engine.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "loadtester/hey_errors.h"
#include "loadtester/response_parser.h"

namespace aviary::loadtester {
namespace {

int64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

using ErrKind = HeyErrorKind;

struct Shared {
  const HeyOptions* options;
  const HeyTarget* target;
  sockaddr_storage addr{};
  socklen_t addrLen = 0;
  int family = AF_INET;
  std::string addrText;
  int64_t start = 0;
  int64_t runDeadline = 0;  // 0 = none (-n mode)
  int64_t period = 0;       // 0 = no -q pacing
  int64_t timeout = 0;      // 0 = none
  const std::atomic<bool>* interrupt = nullptr;
};

struct Conn {
  enum class St { Idle, Connecting, Writing, Reading, Done };
  int fd = -1;
  St st = St::Idle;
  int64_t remaining = -1;  // requests left; -1 = until the deadline
  int64_t nextAt = 0;      // -q pacing: earliest start of the next request
  size_t writeOff = 0;
  bool reused = false, retried = false, wantOut = false;
  int64_t s = 0, connDur = 0, gotConn = 0, wroteAt = 0, firstByte = 0, deadline = 0;
  const std::string* request = nullptr;  // the target's request, or `redirect`
  std::string redirect;                  // the request following a redirect
  int hops = 0;
  ResponseParser parser;
};

// One event-loop thread driving its share of the workers.
class Loop {
 public:
  Loop(const Shared& sh, const std::vector<int64_t>& quotas) : sh_(sh), conns_(quotas.size()), buf_(64 * 1024) {
    for (size_t i = 0; i < quotas.size(); ++i) {
      conns_[i].remaining = quotas[i];
      conns_[i].nextAt = sh_.start + sh_.period;
    }
    csv_ = sh_.options->output == "csv";
    if (csv_) stats_.records.reserve(4096);
  }

  HeyStats run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    active_ = conns_.size();
    std::vector<epoll_event> events(256);
    while (active_ > 0) {
      int64_t now = nowNs();
      int64_t wake = scan(now);
      if (active_ == 0) break;
      int timeoutMs = restartSoon_ ? 0 : static_cast<int>(std::clamp<int64_t>((wake - now + 999999) / 1000000, 0, 100));
      int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), timeoutMs);
      for (int i = 0; i < n; ++i) dispatch(conns_[events[i].data.u32], events[i].events, nowNs());
    }
    for (auto& c : conns_) closeConn(c);
    ::close(ep_);
    for (const auto& [key, count] : errCounts_) stats_.errors[formatError(key.first, key.second)] += count;
    return std::move(stats_);
  }

 private:
  bool stopping(int64_t now) const {
    return (sh_.runDeadline && now >= sh_.runDeadline) || (sh_.interrupt && sh_.interrupt->load(std::memory_order_relaxed));
  }

  // Starts due workers, enforces -t, and returns when the loop must wake up next.
  int64_t scan(int64_t now) {
    int64_t wake = now + 100000000;
    restartSoon_ = false;
    if (sh_.runDeadline) wake = std::min(wake, sh_.runDeadline);
    bool interrupted = sh_.interrupt && sh_.interrupt->load(std::memory_order_relaxed);
    for (auto& c : conns_) {
      if (c.st == Conn::St::Done) continue;
      if (c.st == Conn::St::Idle) {
        startNext(c, now);
        if (c.st == Conn::St::Idle) wake = std::min(wake, c.nextAt);
      } else if (interrupted) {
        finish(c);
      } else if (c.deadline) {
        if (now >= c.deadline) {
          fail(c, ErrKind::Timeout, 0, now);
        } else {
          wake = std::min(wake, c.deadline);
        }
      }
    }
    return wake;
  }

  void dispatch(Conn& c, uint32_t ev, int64_t now) {
    if (c.st == Conn::St::Idle) {
      // An idle keep-alive connection was closed by the server (or sent garbage): drop it.
      ssize_t r = ::recv(c.fd, buf_.data(), buf_.size(), 0);
      if (r <= 0 && !(r < 0 && errno == EAGAIN)) closeConn(c);
      return;
    }
    if ((ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && (c.st == Conn::St::Connecting || c.st == Conn::St::Writing)) {
      onWritable(c, now);
    }
    if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) && c.st == Conn::St::Reading) onReadable(c, now);
  }

  void finish(Conn& c) {
    closeConn(c);
    c.st = Conn::St::Done;
    --active_;
  }

  void startNext(Conn& c, int64_t now) {
    if (c.remaining == 0 || stopping(now)) return finish(c);
    if (sh_.period) {
      if (now < c.nextAt) {
        c.st = Conn::St::Idle;
        return;
      }
      // Like Go's time.Tick: a late tick is delivered once, then the grid continues.
      c.nextAt = std::max(c.nextAt + sh_.period, now);
    }
    c.s = now;
    c.retried = false;
    c.request = &sh_.target->request;
    c.hops = 0;
    c.deadline = sh_.timeout ? now + sh_.timeout : 0;
    c.parser.reset(sh_.target->headRequest);
    if (c.fd < 0) return openConn(c, now);
    c.reused = true;
    c.connDur = 0;
    c.gotConn = now;
    c.st = Conn::St::Writing;
    c.writeOff = 0;
    writeRequest(c, now);
  }

  void openConn(Conn& c, int64_t now) {
    c.reused = false;
    c.fd = ::socket(sh_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return fail(c, ErrKind::Dial, errno, now);
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<uint32_t>(&c - conns_.data());
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    c.wantOut = true;
    c.st = Conn::St::Connecting;
    int r = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&sh_.addr), sh_.addrLen);
    if (r < 0 && errno != EINPROGRESS) return fail(c, ErrKind::Dial, errno, now);
  }

  void setWantOut(Conn& c, bool out) {
    if (c.wantOut == out) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0u);
    ev.data.u32 = static_cast<uint32_t>(&c - conns_.data());
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.wantOut = out;
  }

  void onWritable(Conn& c, int64_t now) {
    if (c.st == Conn::St::Connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) return fail(c, ErrKind::Dial, err, now);
      c.connDur = now - c.s;
      c.gotConn = now;
      c.st = Conn::St::Writing;
      c.writeOff = 0;
    }
    writeRequest(c, now);
  }

  void writeRequest(Conn& c, int64_t now) {
    const std::string& req = *c.request;
    while (c.writeOff < req.size()) {
      ssize_t n = ::send(c.fd, req.data() + c.writeOff, req.size() - c.writeOff, MSG_NOSIGNAL);
      if (n > 0) {
        c.writeOff += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return setWantOut(c, true);
      if (c.reused && !c.retried) return retry(c, now);
      return fail(c, ErrKind::Write, errno, now);
    }
    c.wroteAt = now;
    c.st = Conn::St::Reading;
    setWantOut(c, false);
  }

  // A reused keep-alive connection turned out to be closed by the server before it answered:
  // resend once on a fresh connection, as Go's transport does for idempotent requests.
  void retry(Conn& c, int64_t now) {
    closeConn(c);
    c.retried = true;
    c.parser.reset(sh_.target->headRequest);
    openConn(c, now);
  }

  void onReadable(Conn& c, int64_t now) {
    for (;;) {
      ssize_t n = ::recv(c.fd, buf_.data(), buf_.size(), 0);
      if (n > 0) {
        if (!c.parser.started()) c.firstByte = now;
        size_t used = 0;
        auto st = c.parser.feed(buf_.data(), static_cast<size_t>(n), &used);
        if (st == ResponseParser::State::Done) return complete(c, now);
        if (st == ResponseParser::State::Error) return fail(c, ErrKind::Parse, 0, now, c.parser.error());
        if (static_cast<size_t>(n) < buf_.size()) return;
        continue;
      }
      if (n == 0) {
        if (!c.parser.started() && c.reused && !c.retried) return retry(c, now);
        if (c.parser.onEof() == ResponseParser::State::Done) return complete(c, now);
        return fail(c, ErrKind::Eof, 0, now);
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      if (!c.parser.started() && c.reused && !c.retried && errno == ECONNRESET) return retry(c, now);
      return fail(c, ErrKind::Read, errno, now);
    }
  }

  // Follows a redirect like Go's client (at most 10 hops, same host only). True when it did.
  bool followRedirect(Conn& c, int64_t now) {
    const auto& p = c.parser;
    int st = p.status();
    if (sh_.options->disableRedirects || c.hops >= 10 || p.location().empty() ||
        !(st == 301 || st == 302 || st == 303 || st == 307 || st == 308)) {
      return false;
    }
    c.redirect = redirectRequest(*sh_.target, st, p.location());
    if (c.redirect.empty()) return false;
    c.request = &c.redirect;
    ++c.hops;
    if (!p.keepAlive() || sh_.options->disableKeepAlive) closeConn(c);
    c.parser.reset(sh_.target->headRequest);
    if (c.fd < 0) {
      openConn(c, now);
    } else {
      c.gotConn = now;
      c.st = Conn::St::Writing;
      c.writeOff = 0;
      writeRequest(c, now);
    }
    return true;
  }

  void complete(Conn& c, int64_t now) {
    if (followRedirect(c, now)) return;
    const auto& p = c.parser;
    int64_t total = now - c.s;
    stats_.latency.record(total);
    stats_.conn.add(c.connDur);
    stats_.dns.add(0);
    stats_.write.add(c.wroteAt - c.gotConn);
    stats_.wait.add(c.firstByte - c.wroteAt);
    stats_.read.add(now - c.firstByte);
    ++stats_.statusCounts[static_cast<size_t>(std::clamp(p.status(), 0, 999))];
    ++stats_.responses;
    // Go reports ContentLength -1 for bodies it gunzipped transparently.
    bool gunzipped = p.gzip() && sh_.target->autoGzip;
    if (p.contentLength() > 0 && !gunzipped) stats_.sizeTotal += p.contentLength();
    if (csv_) {
      stats_.records.push_back({total, c.connDur, 0, c.wroteAt - c.gotConn, c.firstByte - c.wroteAt,
                                now - c.firstByte, p.status(), c.s - sh_.start});
    }
    if (!p.keepAlive() || sh_.options->disableKeepAlive) closeConn(c);
    if (c.remaining > 0) --c.remaining;
    c.st = Conn::St::Idle;
    startNext(c, now);
  }

  void fail(Conn& c, ErrKind kind, int err, int64_t now, const char* why = nullptr) {
    ++errCounts_[{static_cast<int>(kind) * 1000 + err, why}];
    ++stats_.errorCount;
    closeConn(c);
    if (c.remaining > 0) --c.remaining;
    // The next scan starts the next request: no recursion when failures are immediate.
    c.st = Conn::St::Idle;
    restartSoon_ = true;
  }

  std::string formatError(int code, const char* why) const {
    return formatHeyError(static_cast<HeyErrorKind>(code / 1000), code % 1000, why, sh_.options->method,
                          sh_.options->url, sh_.addrText);
  }

  void closeConn(Conn& c) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.wantOut = false;
  }

  const Shared& sh_;
  std::vector<Conn> conns_;
  std::vector<char> buf_;
  std::map<std::pair<int, const char*>, uint64_t> errCounts_;
  HeyStats stats_;
  size_t active_ = 0;
  int ep_ = -1;
  bool csv_ = false;
  bool restartSoon_ = false;  // a worker failed: poll instead of sleeping so it restarts at once
};

}  // namespace

void HeyStats::merge(HeyStats&& o) {
  latency.merge(o.latency);
  conn.merge(o.conn);
  dns.merge(o.dns);
  write.merge(o.write);
  wait.merge(o.wait);
  read.merge(o.read);
  for (size_t i = 0; i < statusCounts.size(); ++i) statusCounts[i] += o.statusCounts[i];
  for (auto& [k, v] : o.errors) errors[k] += v;
  responses += o.responses;
  errorCount += o.errorCount;
  sizeTotal += o.sizeTotal;
  if (records.empty()) {
    records = std::move(o.records);
  } else {
    records.insert(records.end(), o.records.begin(), o.records.end());
  }
}

Result<HeyResult> runHey(const HeyOptions& options, const std::atomic<bool>* interrupt) {
  auto target = buildHeyTarget(options);
  if (!target) return target.error();
  Shared sh;
  sh.options = &options;
  sh.target = &*target;
  sh.interrupt = interrupt;

  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(target->connectPort);
  if (int rc = ::getaddrinfo(target->connectHost.c_str(), port.c_str(), &hints, &res); rc != 0 || !res) {
    return makeError(ErrorCode::Unavailable, "cannot resolve " + target->connectHost + ": " + gai_strerror(rc));
  }
  std::memcpy(&sh.addr, res->ai_addr, res->ai_addrlen);
  sh.addrLen = res->ai_addrlen;
  sh.family = res->ai_family;
  char text[INET6_ADDRSTRLEN] = {};
  if (res->ai_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, text, sizeof text);
    sh.addrText.append("[").append(text).append("]:").append(port);
  } else {
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, text, sizeof text);
    sh.addrText.append(text).append(":").append(port);
  }
  ::freeaddrinfo(res);

  int c = options.concurrency;
  int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int threads = std::min(c, options.threads > 0 ? options.threads : cpus);
  // hey gives every worker n/c requests (so -n is rounded down to a multiple of -c).
  int64_t perWorker = options.duration.count() > 0 ? -1 : options.requests / c;
  std::vector<std::vector<int64_t>> quotas(static_cast<size_t>(threads));
  for (int w = 0; w < c; ++w) quotas[static_cast<size_t>(w % threads)].push_back(perWorker);

  sh.period = options.qps > 0 ? static_cast<int64_t>(1e9 / options.qps) : 0;
  sh.timeout = options.timeout.count();
  sh.start = nowNs();
  if (options.duration.count() > 0) sh.runDeadline = sh.start + options.duration.count();

  std::vector<HeyStats> perThread(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] { perThread[static_cast<size_t>(t)] = Loop(sh, quotas[static_cast<size_t>(t)]).run(); });
  }
  for (auto& th : pool) th.join();
  HeyResult out;
  out.elapsed = std::chrono::nanoseconds(nowNs() - sh.start);
  for (auto& s : perThread) out.stats.merge(std::move(s));
  if (!out.stats.records.empty()) {
    std::sort(out.stats.records.begin(), out.stats.records.end(),
              [](const CsvRecord& a, const CsvRecord& b) { return a.offset < b.offset; });
  }
  return out;
}

}  // namespace aviary::loadtester
