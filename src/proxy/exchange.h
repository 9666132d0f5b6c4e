#pragma once
// Exchange: one request/response round trip on an upstream connection (connect if needed, write
// the request, read and frame one complete response into the connection's buffer). Used by the
// client session (with retries around it) and by mirrors. Errors are values, never exceptions.
#include <array>
#include <boost/asio/buffer.hpp>
#include <memory>
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
};

class Exchange final : public Deferred {
 public:
  Exchange(Worker& worker, ExchangeOwner& owner) : worker_(worker), owner_(owner) {}

  // Takes `conn` (connected when conn->reused) and sends head + body. The buffers must stay valid
  // until onExchangeDone. `headRequest` = the request is HEAD (response has no body).
  void start(UpstreamConnectionPtr conn, boost::asio::const_buffer head, boost::asio::const_buffer body,
             bool headRequest, uint64_t maxResponseBytes);
  // Cancels the I/O in progress by closing the socket (onExchangeDone(Aborted) follows).
  void abort();

  bool connecting() const { return connecting_; }
  bool receivedAnything() const { return received_; }
  UpstreamConnectionPtr& connection() { return conn_; }
  const MessageHead& response() const { return head_; }
  const char* base() const { return conn_->buf.data(); }
  // The raw response body (framing included for chunked bodies).
  boost::asio::const_buffer body() const { return {conn_->buf.data() + head_.headLength, bodyLen_}; }
  uint64_t payloadBytes() const { return framer_.payloadBytes(); }
  // True when the connection can serve another request.
  bool reusable() const;
  // Deferred: sends the request (queued by start() so that it leaves with the round's writes).
  void flushDeferred() override;

 private:
  void write();
  void read();
  void onRead(size_t n);
  void finish(ExchangeFailure f);

  Worker& worker_;
  ExchangeOwner& owner_;
  UpstreamConnectionPtr conn_;
  std::array<boost::asio::const_buffer, 2> out_;
  MessageHead head_;
  BodyFramer framer_;
  size_t scanFrom_ = 0;
  bool headDone_ = false;
  size_t bodyLen_ = 0;
  bool headRequest_ = false;
  bool connecting_ = false;
  bool received_ = false;
  bool eof_ = false;
  uint64_t maxResponse_ = 0;
};

}  // namespace aviary::proxy
