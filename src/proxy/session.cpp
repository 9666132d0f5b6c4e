// The client-connection state machine. Every step runs on the worker thread, driven by readiness
// events of the client socket (onIo), by the upstream exchange (onExchangeDone), by the deadline
// tick and by the worker's end-of-round flush; a Session keeps itself alive (self_) until close().
// Buffers (request bytes, upstream request head, response head) are members reused across
// requests, so a keep-alive connection does no heap allocation per request once warmed up.
#include "proxy/session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "proxy/mirror.h"
#include "proxy/retry_policy.h"
#include "proxy/session_util.h"

namespace aviary::proxy {

using std::chrono::steady_clock;
using namespace detail;

namespace {
std::string peerAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  char text[INET6_ADDRSTRLEN] = {};
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "unknown";
  const void* addr = ss.ss_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6&>(ss).sin6_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in&>(ss).sin_addr);
  if (::inet_ntop(ss.ss_family, addr, text, sizeof text) == nullptr) return "unknown";
  return text;
}
}  // namespace

Session::Session(Worker& worker, int fd, std::shared_ptr<const std::string> listener)
    : worker_(worker), stream_(fd), listenerName_(std::move(listener)), exchange_(worker, *this) {
  in_.resize(kInitialBuffer);
  clientIp_ = peerAddress(fd);
  stream_.setNoDelay();
  if (worker_.loop().add(fd, this) != 0) stream_.close();  // start() then finds it closed
  worker_.link(this);
  worker_.registry().activeDownstream.fetch_add(1, std::memory_order_relaxed);
}

Session::~Session() {
  worker_.unlink(this);
  worker_.registry().activeDownstream.fetch_sub(1, std::memory_order_relaxed);
}

void Session::start() {
  self_ = shared_from_this();
  if (!stream_.isOpen()) {
    close();
    return;
  }
  deadline = steady_clock::now() + worker_.snapshot()->config().limits.idleTimeout;
  readRequest();
}

void Session::close() {
  if (phase_ == Phase::Closed) return;
  if (phase_ == Phase::WritingResponse) {
    if (streaming_) responseBytes_ = exchange_.payloadBytes();  // what arrived of it so far
    flags_ |= kFlagDC;  // the response was cut off (stuck client's idle timeout, write error, shutdown)
    record(status_, responseBytes_);
  }
  if (phase_ == Phase::Tunnel) {
    // Recorded once the joined connections end, like Envoy's upgraded streams: code 101, the
    // bytes the backend sent after its head, the time since the upgrade request.
    record(101, tunnel_->bytesToClient() - std::min<uint64_t>(tunnel_->bytesToClient(), downHead_.size()));
  }
  writing_ = false;
  phase_ = Phase::Closed;
  deadline = SteadyTime::max();
  stream_.close();
  tunnel_.reset();  // closes the backend connection
  exchange_.abort();
  worker_.loop().retire(std::move(self_));
}

void Session::onIo(uint32_t events) {
  if (phase_ == Phase::Closed) return;
  stream_.onEvents(events);
  if (phase_ == Phase::Tunnel) {
    pumpTunnel();
    return;
  }
  if (phase_ == Phase::Lingering) {
    drain();
    return;
  }
  if (writing_) {
    // Writable again: the client has read part of the response. idleTimeout bounds a stalled
    // write, not the time a large response takes to deliver, so the deadline moves on. (A write
    // waiting for the client does not stop an upload below: a client may send its whole body
    // before it reads the answer.)
    if (stream_.writable()) {
      deadline = writeDeadline();
      continueWrite();
    }
  } else if (phase_ == Phase::ReadingRequest && stream_.readable()) {
    readRequest();  // may dispatch a request, so the hang-up check below applies to it too
  }
  if (uploading_ && !partInFlight_ && !uploadQueued_ && phase_ != Phase::Closed && stream_.readable()) pumpUpload();
  // While the answer is awaited (the request upstream, or a streamed response waiting for its
  // next part), input waits (pipelined requests are answered in order), but a hang-up means
  // nobody will read the answer. During an upload the bytes before the hang-up are read first
  // (pumpUpload sees the end of the stream).
  const bool awaiting = phase_ == Phase::Upstream || (phase_ == Phase::WritingResponse && streaming_ && !writing_);
  if (awaiting && !uploadOpen() && stream_.hangup() && snap_->config().limits.abortOnClientClose) {
    if (phase_ == Phase::Upstream) {
      abandonRequest();
    } else {
      close();  // recorded with the status already sent and DC; the backend connection is closed
    }
  }
}

void Session::abandonRequest() {
  // Like Envoy: the upstream request is reset and the request recorded with response code 0 and
  // flag DC (nothing was sent to the client). A half-close counts too, as in Envoy (no half-close
  // on HTTP connections) and nginx: a client that stops sending before its answer has given up.
  flags_ |= kFlagDC;
  record(0, 0);
  close();  // aborts the exchange; the upstream connection is closed, not pooled
}

void Session::readRequest() {
  const Limits& limits = worker_.snapshot()->config().limits;
  if (inLen_ == in_.size()) {
    size_t limit =
        headDone_ ? req_.headLength + limits.maxRequestBodyBytes + 64 * 1024 : limits.maxRequestHeadersBytes + 1;
    if (in_.size() >= limit) {
      sendLocal(headDone_ ? 413 : 431, headDone_ ? "payload too large" : "request headers too large", kFlagDPE, true);
      return;
    }
    in_.resize(std::min(limit, in_.size() * 2));
  }
  if (!stream_.readable()) return;  // onIo calls again after the next edge
  const ssize_t n = stream_.read(in_.data() + inLen_, in_.size() - inLen_);
  if (n == -EAGAIN) return;
  if (n <= 0) {
    close();  // end of stream or error
    return;
  }
  inLen_ += static_cast<size_t>(n);
  processInput();
}

void Session::processInput() {
  const Limits& limits = worker_.snapshot()->config().limits;
  if (!headDone_) {
    if (inLen_ == 0) {
      readRequest();
      return;
    }
    ParseError err;
    ParseStatus st = parseRequestHead(in_.data(), inLen_, limits.maxRequestHeadersBytes, scanFrom_, req_, err);
    if (st == ParseStatus::NeedMore) {
      readRequest();
      return;
    }
    startTime_ = steady_clock::now();
    if (st == ParseStatus::Error) {
      int status = err == ParseError::HeadTooLarge ? 431 : err == ParseError::VersionNotSupported ? 505 : 400;
      sendLocal(status, reasonPhrase(status), kFlagDPE, true);
      return;
    }
    headDone_ = true;
    closeAfter_ = req_.connectionClose;
    reqFramer_.reset(req_.body, req_.contentLength);
    bodyRaw_ = 0;
    streamedBody_ = uploading_ = partInFlight_ = false;
  }
  if (!reqFramer_.done()) {
    size_t avail = inLen_ - req_.headLength - bodyRaw_;
    if (avail > 0) bodyRaw_ += reqFramer_.consume(in_.data() + req_.headLength + bodyRaw_, avail);
    if (reqFramer_.failed()) {
      sendLocal(400, "bad request body", kFlagDPE, true);
      return;
    }
    // Above the buffer limit (known from Content-Length, or a chunked body grown past it; raw
    // bytes count too, for bodies cut into tiny chunks): streamed, or refused.
    const uint64_t max = limits.maxRequestBodyBytes;
    const bool large = reqFramer_.payloadBytes() > max || bodyRaw_ > max ||
                       (req_.body == BodyKind::Length && req_.contentLength > max);
    if (large && limits.largeRequestBodies == Limits::LargeBodies::Reject) {
      sendLocal(413, "payload too large", kFlagDPE, true);
      return;
    }
    if (!reqFramer_.done()) {
      if (req_.expectContinue && !sentContinue_) {
        sentContinue_ = true;
        static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
        out_.reset(kContinue, sizeof(kContinue) - 1, nullptr, 0);
        writing_ = true;
        writingContinue_ = true;
        continueWrite();  // then reads on
        return;
      }
      if (large) {
        uploading_ = streamedBody_ = true;
        dispatch();
        return;
      }
      readRequest();
      return;
    }
  }
  dispatch();
}

void Session::dispatch() {
  deadline = SteadyTime::max();
  snap_ = worker_.snapshot();
  listener_ = findListener();
  if (listener_ == nullptr) {  // the listener was removed by a config change (Worker::removeListener)
    sendLocal(503, "listener \"" + *listenerName_ + "\" was removed", kFlagNR, true);
    return;
  }
  RequestView view{in_.data(), &req_};
  route_ = Snapshot::match(*listener_, view, &matched_);
  flags_ = 0;
  if (route_ == nullptr) {
    sendLocal(404, "", kFlagNR, closeAfter_);
    return;
  }
  dest_ = &Snapshot::pick(*route_, worker_.random());
  // Only WebSocket upgrades are passed on, as Envoy does by default: others (h2c above all) would
  // let a client talk to the backend past the proxy's routing ("h2c smuggling").
  websocket_ = req_.upgrade && !streamedBody_ && equalsIgnoreCase(req_.view(in_.data(), req_.upgradeValue), "websocket");
  buildUpstreamRequest(*dest_);
  attempts_ = 0;
  staleRetried_ = false;
  lastEndpoint_ = nullptr;
  const Duration timeout = route_->config->timeout;
  // The route's timeout starts once the request is all with the backend (as in Envoy): a large
  // upload is bounded by idleTimeout between parts instead (startRequestTimers).
  requestDeadline_ = timeout.count() > 0 && !streamedBody_ ? steady_clock::now() + timeout : SteadyTime::max();
  uploadFailure_ = 0;
  // An upgrade (WebSocket) is not mirrored: a copy could not follow the connection it becomes;
  // nor is a streamed body, which is never held whole.
  if (route_->mirrorCluster >= 0 && !websocket_ && !streamedBody_ &&
      worker_.random() % 1000000 < route_->mirrorPerMillion) {
    startMirror();
  }
  phase_ = Phase::Upstream;
  startAttempt();
}

const CompiledListener* Session::findListener() {
  const auto& listeners = snap_->listeners();
  if (listenerIndex_ < listeners.size() && listeners[listenerIndex_].config->name == *listenerName_) {
    return &listeners[listenerIndex_];
  }
  const int index = snap_->listenerIndex(*listenerName_);
  if (index < 0) return nullptr;
  listenerIndex_ = static_cast<size_t>(index);
  return &listeners[listenerIndex_];
}

void Session::buildUpstreamRequest(const CompiledDestination& dest) {
  const char* base = in_.data();
  const HeaderOperations& routeOps = route_->config->headers.request;
  const HeaderOperations* destOps = dest.headers ? &dest.headers->request : nullptr;
  const Rewrite* rewrite = route_->config->rewrite ? &*route_->config->rewrite : nullptr;
  upHead_.clear();
  upHead_.append(req_.view(base, req_.method)).append(" ");
  if (rewrite && !rewrite->uri.empty()) {
    Snapshot::rewriteTarget(req_.view(base, req_.target), *rewrite, matched_, upHead_);
  } else {
    const std::string_view target = req_.view(base, req_.target);
    if (target.empty() || target.front() == '?') upHead_.append("/");  // absolute form without a path
    upHead_.append(target);
  }
  upHead_.append(" HTTP/1.1\r\n");
  // The Host sent on is the route's rewrite.authority, else an absolute-form target's authority
  // (which replaces the client's Host, RFC 9112 §3.2.2), else the client's Host as it came.
  const bool rewriteHost = rewrite && !rewrite->authority.empty();
  const bool newHost = rewriteHost || req_.absoluteForm;
  if (rewriteHost) {
    upHead_.append("host: ").append(rewrite->authority).append("\r\n");
  } else if (req_.absoluteForm) {
    upHead_.append("host: ").append(req_.view(base, req_.host)).append("\r\n");
  }
  std::string_view xff;
  bool haveProto = false;
  for (size_t i = 0; i < req_.headerCount; ++i) {
    std::string_view name = req_.view(base, req_.headers[i].name);
    std::string_view value = req_.view(base, req_.headers[i].value);
    if (isHopByHop(name) || connectionListed(base, req_, name) || dropped(name, routeOps, destOps)) continue;
    if (newHost && equalsIgnoreCase(name, "host")) continue;
    if (equalsIgnoreCase(name, "x-forwarded-for")) {
      xff = value;
      continue;
    }
    haveProto = haveProto || equalsIgnoreCase(name, "x-forwarded-proto");
    upHead_.append(name).append(": ").append(value).append("\r\n");
  }
  appendOps(upHead_, routeOps);
  if (destOps) appendOps(upHead_, *destOps);
  if (websocket_) {  // hop-by-hop, so passed on explicitly when the client asks for one
    upHead_.append("connection: upgrade\r\nupgrade: websocket\r\n");
  }
  upHead_.append("x-forwarded-for: ");
  if (!xff.empty()) upHead_.append(xff).append(", ");
  upHead_.append(clientIp_).append("\r\n");
  if (!haveProto) upHead_.append("x-forwarded-proto: http\r\n");
  upHead_.append("\r\n");
}

void Session::startAttempt() {
  const SteadyTime now = steady_clock::now();
  if (now >= requestDeadline_) {
    sendLocal(504, "upstream request timeout", kFlagUT, closeAfter_);
    return;
  }
  endpoint_ = worker_.upstreams().choose(*snap_, dest_->cluster, worker_.random(), now, lastEndpoint_);
  if (endpoint_ == nullptr) {
    sendLocal(503, "no healthy upstream", kFlagUH, closeAfter_);
    return;
  }
  ++attempts_;
  ++endpoint_->active;
  timeout_ = TimeoutKind::None;
  UpstreamConnectionPtr conn = worker_.upstreams().acquire(*endpoint_);
  const bool reused = conn->reused;
  const bool isHead = req_.view(in_.data(), req_.method) == "HEAD";
  exchange_.start(std::move(conn), upHead_, std::string_view(in_.data() + req_.headLength, bodyRaw_), isHead,
                  snap_->config().limits.maxResponseBytes, websocket_, uploading_);
  partInFlight_ = uploading_;
  // Deadline = the earliest of request timeout, per-try timeout and (new connections) connect
  // timeout; during an upload, the time allowed without progress instead of the first two.
  const Duration perTry = route_->config->retries.perTryTimeout;
  tryDeadline_ = perTry.count() > 0 && !uploading_ ? now + perTry : SteadyTime::max();
  uploadDeadline_ = uploading_ ? now + snap_->config().limits.idleTimeout : SteadyTime::max();
  SteadyTime d = std::min({requestDeadline_, tryDeadline_, uploadDeadline_});
  if (!reused) d = std::min(d, now + snap_->clusters()[dest_->cluster].config->connectTimeout);
  deadline = d;
  connectDeadline_ = reused ? SteadyTime::max() : now + snap_->clusters()[dest_->cluster].config->connectTimeout;
}

void Session::onDeadline() {
  const SteadyTime now = steady_clock::now();
  if (uploadOpen() && now >= uploadDeadline_) {
    failUpload(408, kFlagSI);  // Envoy's stream idle timeout: 408 before a response, else a cut
    return;
  }
  if (streaming_ && !finalPart_ && phase_ == Phase::WritingResponse && (!writing_ || now >= requestDeadline_)) {
    // The route's timeout covers the whole response, as in Envoy; a backend that sends nothing
    // for idleTimeout counts as timed out too. Either way the stream is cut with flag UT.
    timeout_ = TimeoutKind::Request;
    exchange_.abort();
    return;
  }
  if (phase_ != Phase::Upstream) {
    close();  // idle keep-alive connection, slow request or stuck client
    return;
  }
  if (exchange_.connecting() && now >= connectDeadline_) {
    timeout_ = TimeoutKind::Connect;
  } else if (now >= requestDeadline_) {
    timeout_ = TimeoutKind::Request;
  } else if (now >= tryDeadline_) {
    timeout_ = TimeoutKind::PerTry;
  } else {
    deadline = std::min({requestDeadline_, tryDeadline_, uploadDeadline_});  // connected meanwhile
    return;
  }
  exchange_.abort();
}

bool Session::retryBudgetLeft(SteadyTime now) const {
  // A streamed body is gone once sent, so it has one attempt (Envoy: retries end when the body
  // outgrows the buffer).
  return !streamedBody_ && attempts_ <= route_->config->retries.attempts && now < requestDeadline_;
}

bool Session::shouldRetry(int status, ExchangeFailure failure) const {
  const RetryPolicy& p = route_->config->retries;
  if (p.attempts == 0) return false;
  RetryCause cause = RetryCause::Other;
  switch (failure) {
    case ExchangeFailure::None:
      cause = RetryCause::Response;
      break;
    case ExchangeFailure::ConnectRefused:
      cause = RetryCause::Refused;
      break;
    case ExchangeFailure::ConnectFailed:
      cause = RetryCause::ConnectFailure;
      break;
    case ExchangeFailure::Reset:
      cause = RetryCause::Reset;
      break;
    case ExchangeFailure::Aborted:
      cause = timeout_ == TimeoutKind::Connect  ? RetryCause::ConnectFailure
              : timeout_ == TimeoutKind::PerTry ? RetryCause::PerTryTimeout
                                                : RetryCause::Other;
      break;
    default:
      break;
  }
  return isRetriable(p, cause, status);
}

void Session::reportOutcome(int status, SteadyTime now) {
  const AttemptOutcome outcome = status < 500                                        ? AttemptOutcome::Success
                                 : (status == 502 || status == 503 || status == 504) ? AttemptOutcome::GatewayError
                                                                                     : AttemptOutcome::ServerError;
  if (worker_.upstreams().report(*snap_, dest_->cluster, *endpoint_, outcome, now)) {
    worker_.registry().ejections.fetch_add(1);
  }
}

bool Session::onExchangeHead() {
  // Only a response that will not be retried can be passed on before it is complete.
  if (phase_ != Phase::Upstream) return false;
  const int status = exchange_.response().status;
  const SteadyTime now = steady_clock::now();
  const bool canRetry = retryBudgetLeft(now);
  const bool retriable = shouldRetry(status, ExchangeFailure::None);
  if (retriable && canRetry) return false;
  if (retriable && attempts_ > 1) flags_ |= kFlagURX;  // the last attempt: nothing more to retry
  reportOutcome(status, now);
  streaming_ = true;
  finalPart_ = false;
  // An answer streamed while the upload goes on: whether the upload ends cleanly is not known
  // yet, so the connection is not kept for another request.
  if (uploadOpen()) closeAfter_ = true;
  buildResponseHead();
  writeResponse(clientBody(exchange_.takeBody()));
  return true;
}

void Session::onExchangeBody() {
  if (phase_ == Phase::WritingResponse) sendPart();
}

void Session::sendPart() {
  const std::string_view part = clientBody(exchange_.takeBody());
  out_.reset(part.data(), part.size(), nullptr, 0);
  deadline = writeDeadline();
  worker_.defer(this, shared_from_this(), Worker::Flush::Downstream);
}

void Session::streamDone(ExchangeFailure failure) {
  if (failure == ExchangeFailure::None) {
    // The last part: written like the others, then the response is complete.
    finalPart_ = true;
    responseBytes_ = exchange_.payloadBytes();
    sendPart();
    return;
  }
  // The head is out, so no error response is possible: the client connection is cut, which
  // tells an HTTP/1.1 client that the body is incomplete.
  responseBytes_ = exchange_.payloadBytes();
  exchange_.connection().reset();
  if (failure == ExchangeFailure::Aborted && timeout_ == TimeoutKind::None) {
    close();  // shutdown, or the client went away (recorded with DC)
    return;
  }
  cutResponse(failure == ExchangeFailure::Aborted    ? kFlagUT
              : failure == ExchangeFailure::Protocol ? kFlagUPE
                                                     : kFlagUC);
}

void Session::cutResponse(uint16_t flag) {
  flags_ |= flag;
  record(status_, responseBytes_);
  phase_ = Phase::ReadingRequest;  // recorded: close() must not record it again as DC
  close();
}

void Session::onExchangeDone(ExchangeFailure failure) {
  if (endpoint_ != nullptr) --endpoint_->active;
  UpstreamManager& ups = worker_.upstreams();
  if (phase_ == Phase::Closed) {
    exchange_.connection().reset();
    return;
  }
  stopUpload();  // the exchange ended before the whole body was sent: an early answer, a failure
  if (streaming_) {
    streamDone(failure);
    return;
  }
  const SteadyTime now = steady_clock::now();
  const ClusterConfig& cluster = *snap_->clusters()[dest_->cluster].config;
  const bool canRetry = retryBudgetLeft(now);
  if (failure == ExchangeFailure::None) {
    const int status = exchange_.response().status;
    reportOutcome(status, now);
    if (exchange_.upgraded()) {
      startTunnel();
      return;
    }
    if (shouldRetry(status, failure)) {
      if (canRetry) {
        ups.release(std::move(exchange_.connection()), exchange_.reusable(), cluster);
        lastEndpoint_ = endpoint_;
        startAttempt();
        return;
      }
      if (attempts_ > 1) flags_ |= kFlagURX;
    }
    respondFromUpstream();
    return;
  }
  const bool reused = exchange_.connection() && exchange_.connection()->reused;
  exchange_.connection().reset();  // closes the socket
  if (uploadFailure_ != 0) {  // the client's side of the upload failed (failUpload)
    sendLocal(uploadFailure_, reasonPhrase(uploadFailure_), 0, true);
    return;
  }
  if (failure == ExchangeFailure::Aborted && timeout_ == TimeoutKind::None) {
    close();  // shutdown
    return;
  }
  // A pooled keep-alive connection the peer closed while idle: not the endpoint's fault, and
  // nothing reached it, so try once more on a fresh connection without using up a retry.
  if (failure == ExchangeFailure::Reset && reused && !exchange_.receivedAnything() && !staleRetried_ &&
      !streamedBody_) {
    staleRetried_ = true;
    --attempts_;
    startAttempt();
    return;
  }
  if (timeout_ == TimeoutKind::Request) {
    ups.report(*snap_, dest_->cluster, *endpoint_, AttemptOutcome::LocalFailure, now);
    sendLocal(504, "upstream request timeout", kFlagUT, closeAfter_);
    return;
  }
  if (failure != ExchangeFailure::Protocol &&
      ups.report(*snap_, dest_->cluster, *endpoint_, AttemptOutcome::LocalFailure, now)) {
    worker_.registry().ejections.fetch_add(1);
  }
  if (shouldRetry(0, failure)) {
    if (canRetry) {
      lastEndpoint_ = endpoint_;
      startAttempt();
      return;
    }
    if (attempts_ > 1) flags_ |= kFlagURX;
  }
  const bool connectFailure = failure == ExchangeFailure::ConnectFailed || failure == ExchangeFailure::ConnectRefused ||
                              timeout_ == TimeoutKind::Connect;
  if (connectFailure) {
    sendLocal(503, "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
              kFlagUF, closeAfter_);
  } else if (timeout_ == TimeoutKind::PerTry) {
    sendLocal(504, "upstream request timeout", kFlagUT, closeAfter_);
  } else if (failure == ExchangeFailure::Protocol) {
    sendLocal(502, "upstream protocol error", kFlagUPE, closeAfter_);
  } else {
    sendLocal(503, "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
              kFlagUC, closeAfter_);
  }
}

void Session::startTunnel() {
  buildResponseHead();
  std::string toClient = downHead_;
  toClient.append(exchange_.takeBody());  // what the backend sent right after its 101
  const size_t used = req_.headLength + bodyRaw_;
  const std::string_view fromClient(in_.data() + used, inLen_ - used);  // sent after the request
  phase_ = Phase::Tunnel;
  tunnel_ = std::make_unique<Tunnel>(stream_, std::move(exchange_.connection()), &tunnelSide_, toClient, fromClient);
  pumpTunnel();
}

void Session::pumpTunnel() {
  if (phase_ != Phase::Tunnel) return;
  deadline = steady_clock::now() + snap_->config().limits.idleTimeout;  // idle, not total, time
  switch (tunnel_->pump()) {
    case Tunnel::State::Over:
      close();
      return;
    case Tunnel::State::More:
      if (!tunnelQueued_) {
        tunnelQueued_ = true;
        worker_.nextRound(this, shared_from_this());  // flushDeferred pumps again
      }
      return;
    case Tunnel::State::Waiting:
      return;
  }
}

void Session::startMirror() {
  const std::string_view body(in_.data() + req_.headLength, bodyRaw_);
  const bool isHead = req_.view(in_.data(), req_.method) == "HEAD";
  Mirror::launch(worker_, snap_, *listener_, static_cast<uint32_t>(route_->mirrorCluster), upHead_, body, isHead,
                 route_->config->timeout);
}

}  // namespace aviary::proxy
