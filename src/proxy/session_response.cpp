// The session's response half: building the client response (from the upstream's or a local
// reply), writing it, recording telemetry, and preparing the connection for the next request.
#include <cerrno>
#include <cstring>

#include "proxy/session.h"
#include "proxy/session_util.h"

namespace aviary::proxy {

using std::chrono::steady_clock;
using namespace detail;

void Session::respondFromUpstream() {
  streaming_ = false;
  buildResponseHead();
  responseBytes_ = exchange_.payloadBytes();
  writeResponse(clientBody(exchange_.takeBody()));
}

std::string_view Session::clientBody(std::string_view raw) {
  if (!dechunk_) return raw;
  plain_.clear();
  dechunker_.consume(raw.data(), raw.size(), &plain_);
  return plain_;
}

void Session::buildResponseHead() {
  const MessageHead& r = exchange_.response();
  const char* base = exchange_.base();
  const HeaderOperations& routeOps = route_->config->headers.response;
  const HeaderOperations* destOps = dest_->headers ? &dest_->headers->response : nullptr;
  downHead_.clear();
  appendStatus(downHead_, r.status);
  downHead_.append(r.reason.len ? r.view(base, r.reason) : std::string_view(reasonPhrase(r.status))).append("\r\n");
  // An HTTP/1.0 client cannot read chunked framing: it gets the payload, framed like a body
  // delimited by the backend's close.
  dechunk_ = r.body == BodyKind::Chunked && req_.minorVersion == 0;
  if (dechunk_) dechunker_.reset(BodyKind::Chunked, 0);
  const bool untilClose = r.body == BodyKind::UntilClose || dechunk_;
  for (size_t i = 0; i < r.headerCount; ++i) {
    std::string_view name = r.view(base, r.headers[i].name);
    if (isHopByHop(name) || dropped(name, routeOps, destOps)) continue;
    if (untilClose && equalsIgnoreCase(name, "transfer-encoding")) continue;
    downHead_.append(name).append(": ").append(r.view(base, r.headers[i].value)).append("\r\n");
  }
  if (untilClose) {
    if (streaming_) {
      closeAfter_ = true;  // length unknown until the backend closes: so is ours to the client
    } else {
      downHead_.append("content-length: ").append(std::to_string(exchange_.payloadBytes())).append("\r\n");
    }
  }
  appendOps(downHead_, routeOps);
  if (destOps) appendOps(downHead_, *destOps);
  if (exchange_.upgraded()) {
    downHead_.append("connection: upgrade\r\nupgrade: websocket\r\n");
  } else {
    appendConnection();
  }
  downHead_.append("\r\n");
  status_ = r.status;
  phase_ = Phase::WritingResponse;
}

void Session::appendConnection() {
  if (closeAfter_) {
    downHead_.append("connection: close\r\n");
  } else if (req_.minorVersion == 0) {
    downHead_.append("connection: keep-alive\r\n");  // HTTP/1.0 closes unless told otherwise
  }
}

void Session::sendLocal(int status, std::string_view body, uint16_t flags, bool close) {
  flags_ |= flags;
  stopUpload();  // answered before the body was sent (no route, no healthy upstream...)
  closeAfter_ = closeAfter_ || close;
  if (!snap_) {
    snap_ = worker_.snapshot();
    listener_ = findListener();  // nullptr when removed: the answer is then not recorded
  }
  downHead_.clear();
  appendStatus(downHead_, status);
  downHead_.append(reasonPhrase(status)).append("\r\ncontent-length: ").append(std::to_string(body.size()));
  downHead_.append("\r\ncontent-type: text/plain\r\n");
  appendConnection();
  downHead_.append("\r\n").append(body);
  status_ = status;
  responseBytes_ = body.size();
  phase_ = Phase::WritingResponse;
  writeResponse({});
}

SteadyTime Session::writeDeadline() const {
  const SteadyTime idle = steady_clock::now() + snap_->config().limits.idleTimeout;
  return streaming_ && !finalPart_ ? std::min(idle, requestDeadline_) : idle;
}

void Session::writeResponse(std::string_view body) {
  deadline = writeDeadline();
  out_.reset(downHead_.data(), downHead_.size(), body.data(), body.size());
  worker_.defer(this, shared_from_this(), Worker::Flush::Downstream);  // sent with the rest of this round's writes
}

void Session::flushDeferred() {
  if (phase_ == Phase::Closed) return;
  if (phase_ == Phase::Lingering) {  // queued by drain (Worker::nextRound)
    drain();
    return;
  }
  if (phase_ == Phase::Tunnel) {  // queued by pumpTunnel (Worker::nextRound)
    tunnelQueued_ = false;
    pumpTunnel();
    return;
  }
  writing_ = true;
  writingContinue_ = false;
  continueWrite();
}

Deferred::Write Session::pendingWrite() {
  if (phase_ == Phase::Closed || phase_ == Phase::Lingering || phase_ == Phase::Tunnel) return {};  // as flushDeferred
  if (exchange_.writeQueued()) return {};
  return {&stream_, &out_};
}

void Session::continueWrite() {
  const int rc = out_.sendOn(stream_);
  if (rc == -EAGAIN) return;  // onIo continues once the socket is writable again
  if (rc < 0) {
    close();  // records the response with flag DC
    return;
  }
  writing_ = false;
  if (writingContinue_) {
    writingContinue_ = false;
    readRequest();
    return;
  }
  if (streaming_ && !finalPart_) {
    exchange_.bodyWritten();  // reading the backend resumes; onExchangeBody/Done follow
    return;
  }
  onResponseWritten();
}

void Session::record(int status, uint64_t responseBytes) {
  if (!listener_) return;
  const LabelSetPtr& labels = !route_                ? listener_->unknownDestination
                              : (flags_ & kFlagUH) != 0 ? listener_->sourceLabels[dest_->cluster]
                                                        : listener_->labels[dest_->cluster];
  const double ms = std::chrono::duration<double, std::milli>(steady_clock::now() - startTime_).count();
  worker_.stats().record(labels, static_cast<uint16_t>(status), flags_, ms, reqFramer_.payloadBytes(), responseBytes);
}

void Session::onResponseWritten() {
  streaming_ = finalPart_ = false;
  record(status_, responseBytes_);
  phase_ = Phase::ReadingRequest;  // recorded: closing from here on does not cut a response off
  if (exchange_.connection()) {
    worker_.upstreams().release(std::move(exchange_.connection()), exchange_.reusable(), *snap_->clusters()[dest_->cluster].config);
  }
  if (closeAfter_) {
    if (!headDone_ || !reqFramer_.done()) {
      linger();  // the client may still be sending the request just answered
      return;
    }
    stream_.shutdown();
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
  const Duration idle = snap_->config().limits.idleTimeout;
  snap_.reset();  // release the config generation this request used
  listener_ = nullptr;
  deadline = steady_clock::now() + idle;
  processInput();
}

// nginx's lingering close. The answer went out before the request was all read (an early answer
// to an upload, a 413, a malformed head): closing now, with the client's bytes unread, would make
// the kernel reset the connection, and a client that writes its whole body before it reads (many
// simple clients do) would get a send error instead of the answer. So the write side is closed
// and what still comes is read and dropped until the client closes: at most kLingerIdle between
// reads and kLingerTotal in all (nginx: lingering_timeout 5s, lingering_time 30s).
void Session::linger() {
  constexpr Duration kLingerTotal{30000};
  stream_.shutdownWrite();
  phase_ = Phase::Lingering;
  lingerUntil_ = steady_clock::now() + kLingerTotal;
  if (in_.size() < 16 * kInitialBuffer) in_.resize(16 * kInitialBuffer);  // fewer reads per MiB
  drain();
}

void Session::drain() {
  constexpr Duration kLingerIdle{5000};
  deadline = std::min(steady_clock::now() + kLingerIdle, lingerUntil_);
  for (size_t drained = 0; stream_.readable();) {
    if (drained >= kBytesPerRound) {  // per round, like any other transfer (worker.h)
      worker_.nextRound(this, shared_from_this());  // flushDeferred drains on
      return;
    }
    const ssize_t n = stream_.read(in_.data(), in_.size());
    if (n == -EAGAIN) return;
    if (n <= 0) {
      close();  // the client closed (or reset): done
      return;
    }
    drained += static_cast<size_t>(n);
  }
}

}  // namespace aviary::proxy
