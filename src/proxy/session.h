#pragma once
// Session: one client (downstream) connection. Reads requests one at a time (pipelined requests
// wait in the buffer and are answered in order), routes each, forwards it with retries and
// timeouts, writes the response and records Istio telemetry. Runs entirely on its worker thread.
#include <memory>
#include <string>
#include <vector>

#include "proxy/exchange.h"
#include "proxy/tunnel.h"
#include "proxy/worker.h"

namespace aviary::proxy {

class Session final : public Timed,
                      public ExchangeOwner,
                      public Deferred,
                      public IoHandler,
                      public std::enable_shared_from_this<Session> {
 public:
  // Takes an accepted, non-blocking socket of the listener named `listener` and registers it with
  // the worker's loop.
  Session(Worker& worker, int fd, std::shared_ptr<const std::string> listener);
  ~Session() override;
  // Starts reading; the session keeps itself alive until close().
  void start();

  // Timed
  void onDeadline() override;
  void close() override;
  std::shared_ptr<void> self() override { return shared_from_this(); }
  // ExchangeOwner
  void onExchangeDone(ExchangeFailure failure) override;
  bool onExchangeHead() override;
  void onExchangeBody() override;
  void onExchangeBodySent() override;
  std::shared_ptr<void> keepAlive() override { return shared_from_this(); }
  // Deferred: sends the response prepared by writeResponse(); in a tunnel, pumps it again.
  void flushDeferred() override;
  // Deferred: the response flushDeferred() will write, unless this session's exchange has a write
  // queued in the same round (its flush comes first and could still change the answer).
  Write pendingWrite() override;
  // IoHandler: readiness of the client socket.
  void onIo(uint32_t events) override;

 private:
  enum class Phase { ReadingRequest, Upstream, WritingResponse, Tunnel, Lingering, Closed };
  enum class TimeoutKind { None, Connect, PerTry, Request };

  void readRequest();
  void processInput();
  void dispatch();
  // snap_'s listener of this connection, or nullptr once the config no longer names it.
  const CompiledListener* findListener();
  void buildUpstreamRequest(const CompiledDestination& dest);
  void startAttempt();
  bool shouldRetry(int status, ExchangeFailure failure) const;
  bool retryBudgetLeft(SteadyTime now) const;  // attempts and request time left for a retry
  void finishAttemptFailure(ExchangeFailure failure);
  void respondFromUpstream();
  void buildResponseHead();
  void appendConnection();  // the response's Connection header, if it needs one
  // The response body bytes `raw` as the client gets them: as they are, or de-chunked (dechunk_).
  std::string_view clientBody(std::string_view raw);
  void reportOutcome(int status, SteadyTime now);
  void sendPart();  // the streamed body's part just read (Exchange::takeBody), deferred
  void streamDone(ExchangeFailure failure);
  void cutResponse(uint16_t flag);
  SteadyTime writeDeadline() const;
  void sendLocal(int status, std::string_view body, uint16_t flags, bool close);
  void writeResponse(std::string_view body);
  void continueWrite();
  void onResponseWritten();
  void record(int status, uint64_t responseBytes);
  void startMirror();
  void linger();  // answered before the request was all read: drain, then close
  void drain();
  void startTunnel();
  void pumpTunnel();
  void abandonRequest();
  // Streamed request bodies (session_upload.cpp).
  bool uploadOpen() const { return uploading_ || partInFlight_; }
  void pumpUpload();
  void failUpload(int status, uint16_t flag);
  // Answered before the whole body was sent: the rest has nowhere to go, and the client
  // connection cannot be read in step any more, so it closes after the answer.
  void stopUpload();
  void startRequestTimers(SteadyTime now);
  void resumeUpload();  // the next part's read, queued for the next round (per-round budget)

  Worker& worker_;
  Stream stream_;
  std::shared_ptr<Session> self_;  // set by start(), handed to EventLoop::retire by close()
  std::shared_ptr<const std::string> listenerName_;
  size_t listenerIndex_ = 0;  // where listenerName_ was last found (a hint, checked each time)
  std::string clientIp_;
  Phase phase_ = Phase::ReadingRequest;

  // Request side.
  std::vector<char> in_;
  size_t inLen_ = 0;
  size_t scanFrom_ = 0;
  bool headDone_ = false;
  MessageHead req_;
  BodyFramer reqFramer_;
  size_t bodyRaw_ = 0;
  bool sentContinue_ = false;
  bool closeAfter_ = false;
  SteadyTime startTime_;
  // A body above limits.maxRequestBodyBytes, streamed: in_ holds the head and the part being
  // sent (bodyRaw_ bytes after it); the next part is read once the backend has taken this one.
  bool streamedBody_ = false;  // this request's body is streamed (never retried nor mirrored)
  bool uploading_ = false;     // ... and not all of it has been handed to the exchange yet
  bool partInFlight_ = false;  // ... a part of it is being written upstream
  SteadyTime uploadDeadline_ = SteadyTime::max();  // idleTimeout after the last progress
  int uploadFailure_ = 0;      // the status to answer once the aborted exchange reports
  SteadyTime lingerUntil_;     // Lingering: the latest close
  RoundBudget uploadBudget_{kPartsPerRound};  // parts sent per worker round
  bool uploadQueued_ = false;  // resumeUpload is queued for the next round
  struct UploadResume final : Deferred {
    explicit UploadResume(Session& s) : session(s) {}
    void flushDeferred() override { session.resumeUpload(); }
    Session& session;
  };
  UploadResume uploadResume_{*this};

  // Routing and upstream side.
  SnapshotPtr snap_;
  const CompiledListener* listener_ = nullptr;
  const CompiledRoute* route_ = nullptr;
  const CompiledMatch* matched_ = nullptr;
  const CompiledDestination* dest_ = nullptr;
  std::string upHead_;
  Exchange exchange_;
  EndpointState* endpoint_ = nullptr;
  EndpointState* lastEndpoint_ = nullptr;
  uint32_t attempts_ = 0;
  bool staleRetried_ = false;
  SteadyTime requestDeadline_ = SteadyTime::max();
  SteadyTime tryDeadline_ = SteadyTime::max();
  SteadyTime connectDeadline_ = SteadyTime::max();
  TimeoutKind timeout_ = TimeoutKind::None;
  uint16_t flags_ = 0;

  // Response side.
  std::string downHead_;
  WriteCursor out_;
  bool writing_ = false;          // out_ is being sent (a response, or 100 Continue)
  bool writingContinue_ = false;  // ... and it is the 100 Continue
  int status_ = 0;
  uint64_t responseBytes_ = 0;
  bool upstreamResponse_ = false;
  bool streaming_ = false;  // the upstream response is passed on part by part (Exchange streaming)
  bool finalPart_ = false;  // ... and the part being written is its last
  // After 101 Switching Protocols: the joined connections, and the handler that receives the
  // backend socket's events for them.
  struct TunnelSide final : IoHandler {
    explicit TunnelSide(Session& s) : session(s) {}
    void onIo(uint32_t) override { session.pumpTunnel(); }
    Session& session;
  };
  bool websocket_ = false;  // the request asks for a WebSocket upgrade (passed on)
  std::unique_ptr<Tunnel> tunnel_;
  bool tunnelQueued_ = false;  // pumpTunnel queued for the next round
  TunnelSide tunnelSide_{*this};
  bool dechunk_ = false;    // a chunked response to an HTTP/1.0 client: payload only
  BodyFramer dechunker_;
  std::string plain_;       // the de-chunked bytes being written
};

}  // namespace aviary::proxy
