#include "proxy/event_loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace aviary::proxy {

namespace {
void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}
}  // namespace

EventLoop::EventLoop() {
  epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epfd_ < 0 || wakeFd_ < 0) {
    error_ = errno;  // fd exhaustion at startup; ProxyServer::start reports it
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up descriptor
  ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakeFd_, &ev);
}

EventLoop::~EventLoop() {
  freeRetired();
  closeFd(wakeFd_);
  closeFd(epfd_);
}

int EventLoop::add(int fd, IoHandler* handler) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = handler;
  return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : errno;
}

void EventLoop::freeRetired() {
  // Freeing an object may retire others (a session's upstream connection), so drain in turns.
  while (!retired_.empty()) {
    std::vector<std::shared_ptr<void>> batch;
    batch.swap(retired_);
  }
}

bool EventLoop::poll(int timeoutMs) {
  freeRetired();
  const int n = ::epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), timeoutMs);
  bool woken = false;
  for (int i = 0; i < n; ++i) {
    auto* handler = static_cast<IoHandler*>(events_[i].data.ptr);
    if (handler == nullptr) {
      uint64_t value;
      while (::read(wakeFd_, &value, sizeof value) > 0) {
      }
      woken = true;
      continue;
    }
    handler->onIo(events_[i].events);
  }
  return woken;
}

void EventLoop::wakeup() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = ::write(wakeFd_, &one, sizeof one);
}

Stream& Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    readable_ = o.readable_;
    writable_ = o.writable_;
    hangup_ = o.hangup_;
    o.fd_ = -1;
  }
  return *this;
}

int Stream::connect(EventLoop& loop, IoHandler* handler, const sockaddr* addr, socklen_t len) {
  close();
  readable_ = writable_ = hangup_ = false;
  fd_ = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return -errno;
  setNoDelay();
  if (int err = loop.add(fd_, handler); err != 0) {
    close();
    return -err;
  }
  if (::connect(fd_, addr, len) == 0) {
    writable_ = true;
    return 0;
  }
  return -errno;
}

int Stream::connectError() const {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

void Stream::setNoDelay() {
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void Stream::onEvents(uint32_t events) {
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readable_ = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writable_ = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) hangup_ = true;
}

ssize_t Stream::read(char* data, size_t size) {
  for (;;) {
    const ssize_t n = ::recv(fd_, data, size, 0);
    if (n > 0) {
      // A stream socket that returns less than asked has nothing more queued; the next arrival
      // raises a new edge. After a hang-up stay readable, so the next read reports it.
      if (static_cast<size_t>(n) < size && !hangup_) readable_ = false;
      return n;
    }
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      readable_ = false;
      return -EAGAIN;
    }
    return -errno;
  }
}

ssize_t Stream::write(const iovec* iov, int count) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(iov);
  msg.msg_iovlen = static_cast<size_t>(count);
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  for (;;) {
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return wrote(n >= 0 ? n : -errno, total);
  }
}

ssize_t Stream::wrote(ssize_t result, size_t total) {
  if (result == -EWOULDBLOCK) result = -EAGAIN;
  if (result == -EAGAIN || (result >= 0 && static_cast<size_t>(result) < total)) writable_ = false;
  return result;
}

void Stream::shutdown() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void Stream::shutdownWrite() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void Stream::close() {
  closeFd(fd_);
}

void WriteCursor::reset(const void* a, size_t alen, const void* b, size_t blen) {
  iov[0] = {const_cast<void*>(a), alen};
  iov[1] = {const_cast<void*>(b), blen};
  first = 0;
  error = 0;
  while (first < 2 && iov[first].iov_len == 0) ++first;
}

size_t WriteCursor::remaining() const {
  size_t total = 0;
  for (int i = first; i < 2; ++i) total += iov[i].iov_len;
  return total;
}

void WriteCursor::advance(size_t n) {
  while (first < 2 && n >= iov[first].iov_len) {
    n -= iov[first].iov_len;
    ++first;
  }
  if (first < 2 && n > 0) {
    iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + n;
    iov[first].iov_len -= n;
  }
  while (first < 2 && iov[first].iov_len == 0) ++first;
}

int WriteCursor::sendOn(Stream& stream) {
  if (error != 0) return error;
  while (!done()) {
    if (!stream.writable()) return -EAGAIN;
    const ssize_t n = stream.write(iov.data() + first, 2 - first);
    if (n < 0) return static_cast<int>(n);
    advance(static_cast<size_t>(n));
  }
  return 0;
}

}  // namespace aviary::proxy
