// The session's upload half: a request body above limits.maxRequestBodyBytes is passed to the
// backend part by part as it arrives, instead of being buffered whole (Envoy's behaviour for
// bodies beyond its buffer limit). One part at a time: the client is read again only once the
// backend has taken the previous part, so a slow backend slows the client through TCP, and the
// session holds at most kUploadBuffer of body however large the upload.
#include <cstring>

#include "proxy/session.h"
#include "proxy/session_util.h"

namespace aviary::proxy {

using std::chrono::steady_clock;

namespace {
// Room for one part after the request head. As large as a streamed response's buffer, for the
// same reason: a loopback transfer runs near memory speed while memory stays bounded.
constexpr size_t kUploadBuffer = 64 * 1024;
}  // namespace

void Session::pumpUpload() {
  const size_t start = req_.headLength;  // the head stays: the request's views point into it
  for (;;) {
    const size_t avail = inLen_ - start - bodyRaw_;
    if (avail > 0) bodyRaw_ += reqFramer_.consume(in_.data() + start + bodyRaw_, avail);
    if (reqFramer_.failed()) {
      failUpload(400, kFlagDPE);
      return;
    }
    if (bodyRaw_ > 0 || reqFramer_.done()) {
      // Bytes after the body's end (a pipelined request) stay in in_ for later.
      uploading_ = !reqFramer_.done();
      partInFlight_ = true;
      exchange_.sendBody(std::string_view(in_.data() + start, bodyRaw_), !uploading_);
      return;
    }
    if (!stream_.readable()) return;  // onIo calls again after the next edge
    if (in_.size() < start + kUploadBuffer) in_.resize(start + kUploadBuffer);
    const ssize_t n = stream_.read(in_.data() + inLen_, in_.size() - inLen_);
    if (n == -EAGAIN) return;
    if (n <= 0) {
      // The client went away in the middle of its body: the backend can never get the rest.
      if (phase_ == Phase::Upstream) {
        abandonRequest();  // response code 0, flag DC
      } else {
        close();  // a streamed answer had begun: recorded with its status and DC
      }
      return;
    }
    inLen_ += static_cast<size_t>(n);
  }
}

void Session::onExchangeBodySent() {
  if (phase_ == Phase::Closed) return;
  // The part is with the backend: drop it, keeping the head and anything read after the part.
  const size_t start = req_.headLength;
  std::memmove(in_.data() + start, in_.data() + start + bodyRaw_, inLen_ - start - bodyRaw_);
  inLen_ -= bodyRaw_;
  bodyRaw_ = 0;
  partInFlight_ = false;
  const SteadyTime now = steady_clock::now();
  if (!uploading_) {
    startRequestTimers(now);  // the whole request is upstream now
    return;
  }
  uploadDeadline_ = now + snap_->config().limits.idleTimeout;
  if (phase_ == Phase::Upstream) {
    deadline = uploadDeadline_;
  } else if (phase_ == Phase::WritingResponse && !writing_) {
    deadline = writeDeadline();  // a streamed answer may well pause while the body still flows
  }
  if (uploadBudget_.spend(worker_.round())) {
    pumpUpload();  // the part's write is deferred, so this does not recurse
  } else if (!uploadQueued_) {
    uploadQueued_ = true;
    worker_.nextRound(&uploadResume_, shared_from_this());
  }
}

void Session::resumeUpload() {
  uploadQueued_ = false;
  if (phase_ != Phase::Closed && uploading_ && !partInFlight_) pumpUpload();
}

void Session::startRequestTimers(SteadyTime now) {
  const Duration timeout = route_->config->timeout;
  const Duration perTry = route_->config->retries.perTryTimeout;
  requestDeadline_ = timeout.count() > 0 ? now + timeout : SteadyTime::max();
  tryDeadline_ = perTry.count() > 0 ? now + perTry : SteadyTime::max();
  uploadDeadline_ = SteadyTime::max();
  if (phase_ == Phase::Upstream) deadline = std::min(requestDeadline_, tryDeadline_);
}

void Session::stopUpload() {
  if (!uploadOpen()) return;
  uploading_ = partInFlight_ = false;
  closeAfter_ = true;
}

void Session::failUpload(int status, uint16_t flag) {
  if (phase_ == Phase::WritingResponse) {
    // A streamed answer has begun, so no status can be sent: the client connection is cut.
    responseBytes_ = exchange_.payloadBytes();
    cutResponse(flag);
    return;
  }
  // The backend holds part of a request that will never be complete: the exchange is aborted and,
  // once it reports, the client gets `status` (onExchangeDone) and the connection closes.
  uploadFailure_ = status;
  flags_ |= flag;
  exchange_.abort();
}

}  // namespace aviary::proxy
