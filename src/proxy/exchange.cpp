#include "proxy/exchange.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

namespace aviary::proxy {

namespace asio = boost::asio;
constexpr size_t kMaxResponseHead = 64 * 1024;

void Exchange::start(UpstreamConnectionPtr conn, asio::const_buffer head, asio::const_buffer body, bool headRequest,
                     uint64_t maxResponseBytes) {
  conn_ = std::move(conn);
  out_[0] = head;
  out_[1] = body;
  headRequest_ = headRequest;
  maxResponse_ = maxResponseBytes;
  scanFrom_ = 0;
  headDone_ = false;
  bodyLen_ = 0;
  received_ = false;
  eof_ = false;
  conn_->len = 0;
  if (conn_->reused) {
    write();
    return;
  }
  connecting_ = true;
  conn_->socket.async_connect(conn_->endpoint->address,
                              [this, keep = owner_.keepAlive()](const boost::system::error_code& ec) {
                                connecting_ = false;
                                if (ec) {
                                  finish(ec == asio::error::connection_refused  ? ExchangeFailure::ConnectRefused
                                         : ec == asio::error::operation_aborted ? ExchangeFailure::Aborted
                                                                                : ExchangeFailure::ConnectFailed);
                                  return;
                                }
                                boost::system::error_code ignored;
                                conn_->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
                                write();
                              });
}

void Exchange::abort() {
  if (!conn_) return;
  boost::system::error_code ec;
  conn_->socket.close(ec);
}

bool Exchange::reusable() const {
  return conn_ && conn_->socket.is_open() && !head_.connectionClose && head_.body != BodyKind::UntilClose && !eof_ &&
         conn_->len == head_.headLength + bodyLen_;
}

void Exchange::write() {
  worker_.defer(this, owner_.keepAlive(), Worker::Flush::Upstream);
}

void Exchange::flushDeferred() {
  if (!conn_ || !conn_->socket.is_open()) {  // aborted (timeout or shutdown) while queued
    finish(ExchangeFailure::Aborted);
    return;
  }
  asio::async_write(
      conn_->socket, out_, [this, keep = owner_.keepAlive()](const boost::system::error_code& ec, size_t) {
        if (ec) {
          finish(ec == asio::error::operation_aborted ? ExchangeFailure::Aborted : ExchangeFailure::Reset);
          return;
        }
        read();
      });
}

void Exchange::read() {
  if (conn_->len == conn_->buf.size()) {
    size_t limit = kMaxResponseHead + maxResponse_ + 64;
    if (conn_->buf.size() >= limit) {
      finish(ExchangeFailure::Protocol);
      return;
    }
    conn_->buf.resize(std::min(limit, conn_->buf.size() * 2));
  }
  conn_->socket.async_read_some(
      asio::buffer(conn_->buf.data() + conn_->len, conn_->buf.size() - conn_->len),
      [this, keep = owner_.keepAlive()](const boost::system::error_code& ec, size_t n) {
        if (ec == asio::error::eof) {
          eof_ = true;
          if (headDone_ && head_.body == BodyKind::UntilClose) {
            framer_.finishOnClose();
            finish(ExchangeFailure::None);
          } else {
            finish(ExchangeFailure::Reset);
          }
          return;
        }
        if (ec) {
          finish(ec == asio::error::operation_aborted ? ExchangeFailure::Aborted : ExchangeFailure::Reset);
          return;
        }
        received_ = true;
        onRead(n);
      });
}

void Exchange::onRead(size_t n) {
  size_t before = conn_->len;
  conn_->len += n;
  while (!headDone_) {
    ParseError err;
    ParseStatus st =
        parseResponseHead(conn_->buf.data(), conn_->len, kMaxResponseHead, scanFrom_, headRequest_, head_, err);
    if (st == ParseStatus::NeedMore) {
      read();
      return;
    }
    if (st == ParseStatus::Error || head_.status == 101) {
      finish(ExchangeFailure::Protocol);
      return;
    }
    if (head_.status < 200) {
      // Interim response (100 Continue, 103...): drop it and parse what follows.
      std::memmove(conn_->buf.data(), conn_->buf.data() + head_.headLength, conn_->len - head_.headLength);
      conn_->len -= head_.headLength;
      scanFrom_ = 0;
      before = 0;
      continue;
    }
    headDone_ = true;
    framer_.reset(head_.body, head_.contentLength);
    if (head_.body == BodyKind::Length && head_.contentLength > maxResponse_) {
      finish(ExchangeFailure::Protocol);
      return;
    }
    before = head_.headLength;
  }
  size_t start = std::max(before, head_.headLength);
  if (conn_->len > start) {
    size_t used = framer_.consume(conn_->buf.data() + start, conn_->len - start);
    bodyLen_ += used;
  }
  if (framer_.failed() || bodyLen_ > maxResponse_ + 64 * 1024) {
    finish(ExchangeFailure::Protocol);
    return;
  }
  if (framer_.done()) {
    finish(ExchangeFailure::None);
    return;
  }
  read();
}

void Exchange::finish(ExchangeFailure f) {
  owner_.onExchangeDone(f);
}

}  // namespace aviary::proxy
