#pragma once
// Exchange: one request/response round trip on an upstream connection (connect if needed, write
// the request, read and frame one complete response into the connection's buffer). Used by the
// client session (with retries around it) and by mirrors. Errors are values, never exceptions.
// The owner's onExchangeDone is never called from inside start() or abort(): the first step runs
// with the round's deferred writes (Worker::defer), so an owner never re-enters itself.
#include <memory>
#include <string_view>
#include <string>

#include "proxy/http_parser.h"
#include "proxy/upstream.h"
#include "proxy/worker.h"

namespace aviary::proxy {

enum class ExchangeFailure {
  None,
  ConnectFailed,   // connect() failed or was cut by the connect timeout
  ConnectRefused,  // ECONNREFUSED (retryOn refused-stream)
  Reset,           // the connection failed before a complete response
  Protocol,        // unparsable or oversized response
  Aborted,         // cancelled by the owner (timeout or shutdown)
};

class ExchangeOwner {
 public:
  virtual ~ExchangeOwner() = default;
  virtual void onExchangeDone(ExchangeFailure failure) = 0;
  virtual std::shared_ptr<void> keepAlive() = 0;
  // A response head arrived but its body did not all come with it. Return true to stream it: the
  // owner takes the head and the body so far now (takeBody), then onExchangeBody reports each
  // further part, and reading pauses until bodyWritten(); onExchangeDone comes after the last
  // part, whose bytes are still to be taken. false (default) = buffer the whole response.
  virtual bool onExchangeHead() { return false; }
  virtual void onExchangeBody() {}
  // An open request body (start with bodyOpen): the bytes handed over so far (start's `body`,
  // then each sendBody part) are written; the owner may drop them and send the next part.
  virtual void onExchangeBodySent() {}
};

class Exchange final : public Deferred, public IoHandler {
 public:
  Exchange(Worker& worker, ExchangeOwner& owner) : worker_(worker), owner_(owner) {}

  // Takes `conn` (connected when conn->reused) and sends head + body. The buffers must stay valid
  // until onExchangeDone. `headRequest` = the request is HEAD (response has no body).
  // `upgrade` = the request asks for a protocol upgrade: a 101 answer then completes the exchange
  // (upgraded()), with whatever the backend sent after it left in the buffer (takeBody()).
  // `bodyOpen` = `body` is only the start of the request body: the owner streams the rest with
  // sendBody() after each onExchangeBodySent(). The response is read meanwhile, so a backend that
  // answers before the upload ends (an early 413, say) is heard; the connection is then not reused.
  void start(UpstreamConnectionPtr conn, std::string_view head, std::string_view body, bool headRequest,
             uint64_t maxResponseBytes, bool upgrade = false, bool bodyOpen = false);
  // The next part of an open request body (valid until onExchangeBodySent); `last` closes it.
  // Sent with the round's writes. Only between onExchangeBodySent() and the end of the exchange.
  void sendBody(std::string_view part, bool last);
  // Cancels the exchange in progress by closing its socket (onExchangeDone(Aborted) follows);
  // between exchanges it only closes the connection still held.
  void abort();

  bool connecting() const { return state_ == State::Connecting; }
  bool receivedAnything() const { return received_; }
  UpstreamConnectionPtr& connection() { return conn_; }
  const MessageHead& response() const { return head_; }
  // The response head's bytes; valid until the first bodyWritten() of a streamed response.
  const char* base() const { return conn_->buf.data(); }
  // The raw response body received since the last call (framing included for chunked bodies):
  // all of it for a buffered response. Valid until bodyWritten() or the next exchange.
  std::string_view takeBody();
  // Streaming: the owner has written what it took; the buffer is reused and reading resumes
  // (from the next round, so a fast transfer does not starve the worker's other connections).
  void bodyWritten();
  bool streaming() const { return streaming_; }
  // The backend answered 101 Switching Protocols: the connection is no longer HTTP.
  bool upgraded() const { return upgraded_; }
  uint64_t payloadBytes() const { return framer_.payloadBytes(); }
  // True when the connection can serve another request.
  bool reusable() const;
  // Deferred: connects and sends the request (queued by start() so that it leaves with the
  // round's writes), reports an abort, or resumes a streamed response (Worker::nextRound).
  void flushDeferred() override;
  // Deferred: the request (on a pooled connection) or the body part flushDeferred() will send.
  Write pendingWrite() override;
  // A write of this exchange waits for the round's flush: a flush may still fail and call back.
  bool writeQueued() const { return (state_ == State::Queued && !aborted_) || bodyQueued_; }
  // IoHandler: readiness of the connection (forwarded by UpstreamConnection while in use).
  void onIo(uint32_t events) override;

 private:
  enum class State { Idle, Queued, Connecting, Writing, Reading };

  void write();
  void writeBody();
  void read();
  // Frames the n bytes just read; false once the exchange has finished.
  bool onRead(size_t n);
  void finish(ExchangeFailure f);

  Worker& worker_;
  ExchangeOwner& owner_;
  UpstreamConnectionPtr conn_;
  State state_ = State::Idle;
  bool aborted_ = false;
  WriteCursor out_;
  MessageHead head_;
  BodyFramer framer_;
  size_t scanFrom_ = 0;
  bool headDone_ = false;
  size_t handed_ = 0;   // buffer offset up to which the body was handed out by takeBody()
  size_t bodyEnd_ = 0;  // buffer offset where the framed body bytes end
  bool streaming_ = false;
  bool upgradeAllowed_ = false;
  bool upgraded_ = false;
  bool offered_ = false;         // onExchangeHead was asked
  bool paused_ = false;         // streaming: a part was handed out and is not written yet
  bool resumeQueued_ = false;   // streaming: reading resumes at the next round
  RoundBudget budget_{kPartsPerRound};  // streaming: parts read per worker round
  bool bodyOpen_ = false;     // the request body is not all handed over yet (sendBody)
  bool bodyQueued_ = false;   // a sendBody part waits for its deferred write...
  bool bodyPending_ = false;  // ... or is being written (bodyOut_)
  bool bodyLast_ = false;     // ... and it is the last one
  WriteCursor bodyOut_;
  bool headRequest_ = false;
  bool received_ = false;
  bool eof_ = false;
  uint64_t maxResponse_ = 0;
};

}  // namespace aviary::proxy
