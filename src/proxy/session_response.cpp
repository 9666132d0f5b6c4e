// The session's response half: building the client response (from the upstream's or a local
// reply), writing it, recording telemetry, and preparing the connection for the next request.
#include <boost/asio/write.hpp>
#include <cstring>

#include "proxy/session.h"
#include "proxy/session_util.h"

namespace aviary::proxy {

namespace asio = boost::asio;
using std::chrono::steady_clock;
using namespace detail;

void Session::respondFromUpstream() {
  const MessageHead& r = exchange_.response();
  const char* base = exchange_.base();
  const HeaderOperations& routeOps = route_->config->headers.response;
  const HeaderOperations* destOps = dest_->headers ? &dest_->headers->response : nullptr;
  downHead_.clear();
  appendStatus(downHead_, r.status);
  downHead_.append(r.reason.len ? r.view(base, r.reason) : std::string_view(reasonPhrase(r.status))).append("\r\n");
  const bool untilClose = r.body == BodyKind::UntilClose;
  for (size_t i = 0; i < r.headerCount; ++i) {
    std::string_view name = r.view(base, r.headers[i].name);
    if (isHopByHop(name) || dropped(name, routeOps, destOps)) continue;
    if (untilClose && equalsIgnoreCase(name, "transfer-encoding")) continue;
    downHead_.append(name).append(": ").append(r.view(base, r.headers[i].value)).append("\r\n");
  }
  if (untilClose) downHead_.append("content-length: ").append(std::to_string(exchange_.payloadBytes())).append("\r\n");
  appendOps(downHead_, routeOps);
  if (destOps) appendOps(downHead_, *destOps);
  if (closeAfter_) downHead_.append("connection: close\r\n");
  downHead_.append("\r\n");
  status_ = r.status;
  responseBytes_ = exchange_.payloadBytes();
  phase_ = Phase::WritingResponse;
  writeResponse(exchange_.body());
}

void Session::sendLocal(int status, std::string_view body, uint16_t flags, bool close) {
  flags_ |= flags;
  closeAfter_ = closeAfter_ || close;
  if (!snap_) {
    snap_ = worker_.snapshot();
    listener_ = &snap_->listeners()[listenerIndex_];
  }
  downHead_.clear();
  appendStatus(downHead_, status);
  downHead_.append(reasonPhrase(status)).append("\r\ncontent-length: ").append(std::to_string(body.size()));
  downHead_.append("\r\ncontent-type: text/plain\r\n");
  if (closeAfter_) downHead_.append("connection: close\r\n");
  downHead_.append("\r\n").append(body);
  status_ = status;
  responseBytes_ = body.size();
  phase_ = Phase::WritingResponse;
  writeResponse(asio::const_buffer());
}

void Session::writeResponse(asio::const_buffer body) {
  deadline = steady_clock::now() + snap_->config().limits.idleTimeout;
  out_[0] = asio::buffer(downHead_);
  out_[1] = body;
  worker_.defer(this, shared_from_this(), Worker::Flush::Downstream);  // sent with the rest of this round's writes
}

void Session::flushDeferred() {
  asio::async_write(socket_, out_, [this, self = shared_from_this()](const boost::system::error_code& ec, size_t) {
    if (ec) {
      flags_ |= kFlagDC;
      record(status_, responseBytes_);
      close();
      return;
    }
    onResponseWritten();
  });
}

void Session::record(int status, uint64_t responseBytes) {
  if (!listener_) return;
  const LabelSetPtr& labels = route_ ? listener_->labels[dest_->cluster] : listener_->unknownDestination;
  const double ms = std::chrono::duration<double, std::milli>(steady_clock::now() - startTime_).count();
  worker_.stats().record(labels, static_cast<uint16_t>(status), flags_, ms, reqFramer_.payloadBytes(), responseBytes);
}

void Session::onResponseWritten() {
  record(status_, responseBytes_);
  if (exchange_.connection()) {
    worker_.upstreams().release(std::move(exchange_.connection()), exchange_.reusable(),
                                snap_->clusters()[dest_->cluster].config->maxIdleConnections);
  }
  if (closeAfter_ || phase_ == Phase::Closed) {
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    close();
    return;
  }
  // Drop this request's bytes; a pipelined next request may already be in the buffer.
  const size_t used = headDone_ ? req_.headLength + bodyRaw_ : inLen_;
  std::memmove(in_.data(), in_.data() + used, inLen_ - used);
  inLen_ -= used;
  if (in_.size() > 4 * kInitialBuffer && inLen_ <= kInitialBuffer) {
    in_.resize(kInitialBuffer);
    in_.shrink_to_fit();
  }
  headDone_ = false;
  scanFrom_ = 0;
  sentContinue_ = false;
  route_ = nullptr;
  dest_ = nullptr;
  endpoint_ = nullptr;
  phase_ = Phase::ReadingRequest;
  const Duration idle = snap_->config().limits.idleTimeout;
  snap_.reset();  // release the config generation this request used
  listener_ = nullptr;
  deadline = steady_clock::now() + idle;
  processInput();
}

}  // namespace aviary::proxy
