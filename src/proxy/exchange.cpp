#include "proxy/exchange.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace aviary::proxy {

constexpr size_t kMaxResponseHead = 64 * 1024;
// Streaming: the buffer grows (from kUpstreamBuffer) while parts fill it, up to this; one
// response reads at most kPartsPerRound parts per round before yielding (worker.h).
constexpr size_t kStreamBuffer = 64 * 1024;

void Exchange::start(UpstreamConnectionPtr conn, std::string_view head, std::string_view body, bool headRequest,
                     uint64_t maxResponseBytes, bool upgrade, bool bodyOpen) {
  conn_ = std::move(conn);
  conn_->user = this;
  out_.reset(head.data(), head.size(), body.data(), body.size());
  headRequest_ = headRequest;
  maxResponse_ = maxResponseBytes;
  scanFrom_ = 0;
  headDone_ = false;
  handed_ = bodyEnd_ = 0;
  streaming_ = paused_ = resumeQueued_ = offered_ = upgraded_ = false;
  upgradeAllowed_ = upgrade;
  bodyOpen_ = bodyOpen;
  bodyQueued_ = bodyPending_ = bodyLast_ = false;
  received_ = false;
  eof_ = false;
  aborted_ = false;
  conn_->len = 0;
  state_ = State::Queued;
  worker_.defer(this, owner_.keepAlive(), Worker::Flush::Upstream);
}

void Exchange::abort() {
  if (!conn_) return;
  conn_->stream.close();
  if (state_ == State::Idle) return;
  aborted_ = true;
  if (state_ != State::Queued) {
    state_ = State::Queued;
    worker_.defer(this, owner_.keepAlive(), Worker::Flush::Upstream);
  }
}

bool Exchange::reusable() const {
  // An upload cut short by an early answer leaves the backend expecting the rest of the body.
  return conn_ && conn_->stream.isOpen() && !upgraded_ && !bodyOpen_ && !head_.connectionClose &&
         head_.body != BodyKind::UntilClose && !eof_ &&
         conn_->len == bodyEnd_;  // nothing after the response (unasked bytes spoil the connection)
}

void Exchange::sendBody(std::string_view part, bool last) {
  bodyOut_.reset(part.data(), part.size(), nullptr, 0);
  bodyLast_ = last;
  bodyQueued_ = true;
  worker_.defer(this, owner_.keepAlive(), Worker::Flush::Upstream);
}

void Exchange::writeBody() {
  const int rc = bodyOut_.sendOn(conn_->stream);
  if (rc == -EAGAIN) return;  // onIo continues once the socket is writable
  bodyPending_ = false;
  if (rc < 0) {
    // The backend stopped reading: it may have answered already (and closed), so the response is
    // still read; without one, the read reports the reset.
    read();
    return;
  }
  if (bodyLast_) bodyOpen_ = false;
  owner_.onExchangeBodySent();
}

std::string_view Exchange::takeBody() {
  std::string_view part(conn_->buf.data() + handed_, bodyEnd_ - handed_);
  handed_ = bodyEnd_;
  return part;
}

void Exchange::bodyWritten() {
  if (state_ != State::Reading || !streaming_) return;
  // A part that filled the buffer: the backend sends faster than one buffer per round trip.
  const bool full = conn_->len == conn_->buf.size();
  // Drop what was written (and the head, the first time); unframed bytes move to the front.
  std::memmove(conn_->buf.data(), conn_->buf.data() + handed_, conn_->len - handed_);
  conn_->len -= handed_;
  bodyEnd_ -= handed_;
  handed_ = 0;
  paused_ = false;
  if (full && conn_->buf.size() < kStreamBuffer) conn_->buf.resize(std::min(kStreamBuffer, conn_->buf.size() * 2));
  if (budget_.spend(worker_.round())) {
    read();  // the next part's write is deferred, so this does not recurse
  } else if (!resumeQueued_) {
    resumeQueued_ = true;
    worker_.nextRound(this, owner_.keepAlive());
  }
}

void Exchange::flushDeferred() {
  if (bodyQueued_) {
    bodyQueued_ = false;
    if (state_ == State::Reading) {
      bodyPending_ = true;
      writeBody();
      if (state_ != State::Reading) return;
    }
  }
  if (resumeQueued_) {
    resumeQueued_ = false;
    if (state_ == State::Reading) {
      read();
      return;
    }
  }
  if (state_ != State::Queued) return;
  if (aborted_) {
    finish(ExchangeFailure::Aborted);
    return;
  }
  if (conn_->reused) {
    state_ = State::Writing;
    write();
    return;
  }
  const auto& address = conn_->endpoint->address;
  const int rc = conn_->stream.connect(worker_.loop(), conn_.get(), address.data(), address.size());
  if (rc == -EINPROGRESS) {
    state_ = State::Connecting;  // onIo continues once the socket is writable
    return;
  }
  if (rc < 0) {
    finish(rc == -ECONNREFUSED ? ExchangeFailure::ConnectRefused : ExchangeFailure::ConnectFailed);
    return;
  }
  state_ = State::Writing;
  write();
}

Deferred::Write Exchange::pendingWrite() {
  // The same conditions under which flushDeferred() reaches writeBody() and write() first.
  if (bodyQueued_) return state_ == State::Reading ? Write{&conn_->stream, &bodyOut_} : Write{};
  if (resumeQueued_ || state_ != State::Queued || aborted_ || !conn_->reused) return {};
  return {&conn_->stream, &out_};
}

void Exchange::onIo(uint32_t) {
  switch (state_) {
    case State::Connecting: {
      if (!conn_->stream.writable()) return;
      const int err = conn_->stream.connectError();
      if (err != 0) {
        finish(err == ECONNREFUSED ? ExchangeFailure::ConnectRefused : ExchangeFailure::ConnectFailed);
        return;
      }
      state_ = State::Writing;
      write();
      return;
    }
    case State::Writing:
      write();
      return;
    case State::Reading:
      if (bodyPending_ && conn_->stream.writable()) {
        writeBody();
        if (state_ != State::Reading) return;
      }
      read();
      return;
    default:
      return;  // idle or queued: the flag set by the edge is used when the exchange gets there
  }
}

void Exchange::write() {
  const int rc = out_.sendOn(conn_->stream);
  if (rc == -EAGAIN) return;
  if (rc < 0) {
    finish(ExchangeFailure::Reset);
    return;
  }
  state_ = State::Reading;
  if (bodyOpen_) {
    owner_.onExchangeBodySent();
    if (state_ != State::Reading) return;
  }
  read();
}

void Exchange::read() {
  while (state_ == State::Reading && !paused_ && conn_->stream.readable()) {
    if (conn_->len == conn_->buf.size()) {
      const size_t limit = kMaxResponseHead + maxResponse_ + 64;
      if (conn_->buf.size() >= limit) {
        finish(ExchangeFailure::Protocol);
        return;
      }
      conn_->buf.resize(std::min(limit, conn_->buf.size() * 2));
    }
    const ssize_t n = conn_->stream.read(conn_->buf.data() + conn_->len, conn_->buf.size() - conn_->len);
    if (n == -EAGAIN) return;
    if (n == 0) {
      eof_ = true;
      if (headDone_ && head_.body == BodyKind::UntilClose) {
        framer_.finishOnClose();
        finish(ExchangeFailure::None);
      } else {
        finish(ExchangeFailure::Reset);
      }
      return;
    }
    if (n < 0) {
      finish(ExchangeFailure::Reset);
      return;
    }
    received_ = true;
    if (!onRead(static_cast<size_t>(n))) return;
  }
}

bool Exchange::onRead(size_t n) {
  conn_->len += n;
  while (!headDone_) {
    ParseError err;
    ParseStatus st =
        parseResponseHead(conn_->buf.data(), conn_->len, kMaxResponseHead, scanFrom_, headRequest_, head_, err);
    if (st == ParseStatus::NeedMore) return true;
    if (head_.status == 101 && st == ParseStatus::Done && upgradeAllowed_) {
      headDone_ = upgraded_ = true;  // the bytes after the head belong to the new protocol
      handed_ = head_.headLength;
      bodyEnd_ = conn_->len;
      finish(ExchangeFailure::None);
      return false;
    }
    if (st == ParseStatus::Error || head_.status == 101) {
      finish(ExchangeFailure::Protocol);
      return false;
    }
    if (head_.status < 200) {
      // Interim response (100 Continue, 103...): drop it and parse what follows.
      std::memmove(conn_->buf.data(), conn_->buf.data() + head_.headLength, conn_->len - head_.headLength);
      conn_->len -= head_.headLength;
      scanFrom_ = 0;
      continue;
    }
    headDone_ = true;
    framer_.reset(head_.body, head_.contentLength);
    handed_ = bodyEnd_ = head_.headLength;
  }
  const size_t framedBefore = bodyEnd_;
  if (conn_->len > bodyEnd_) bodyEnd_ += framer_.consume(conn_->buf.data() + bodyEnd_, conn_->len - bodyEnd_);
  // maxResponse bounds what is buffered; a streamed body holds one buffer however long it runs.
  if (framer_.failed() || (!streaming_ && framer_.payloadBytes() > maxResponse_)) {
    finish(ExchangeFailure::Protocol);
    return false;
  }
  if (framer_.done()) {
    finish(ExchangeFailure::None);
    return false;
  }
  if (!streaming_) {
    if (offered_) return true;  // the owner chose to buffer this response
    // Incomplete after this read: a large or slow (streamed, long-polled) body. The owner may take
    // it part by part instead of waiting for all of it.
    offered_ = true;
    streaming_ = paused_ = true;  // paused until the owner has written the head and the body so far
    if (owner_.onExchangeHead()) return false;
    streaming_ = paused_ = false;
    return true;
  }
  if (bodyEnd_ > framedBefore) {
    paused_ = true;
    owner_.onExchangeBody();
    return false;
  }
  return true;
}

void Exchange::finish(ExchangeFailure f) {
  state_ = State::Idle;
  bodyQueued_ = bodyPending_ = false;
  owner_.onExchangeDone(f);
}

}  // namespace aviary::proxy
