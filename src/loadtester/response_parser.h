#pragma once
// Incremental HTTP/1.1 response parser for the load generator: just enough to find the status
// code and where the response ends (Content-Length, chunked, or connection close). Bodies are
// counted and discarded. Reuses its buffer: no allocation per response after warm-up.
#include <cstddef>
#include <cstdint>
#include <string>

namespace aviary::loadtester {

class ResponseParser {
 public:
  enum class State { NeedMore, Done, Error };

  // Prepares for the next response. `headRequest`: the response has no body.
  void reset(bool headRequest);

  // Consumes up to `len` bytes. On Done, *used is the number of bytes that belonged to this
  // response (the rest would be a pipelined next response, which we never request).
  State feed(const char* data, size_t len, size_t* used);

  // The peer closed the connection: completes a response delimited by close, else Error.
  State onEof();

  int status() const { return status_; }
  int64_t contentLength() const { return contentLength_; }  // -1 when not given
  bool keepAlive() const { return keepAlive_; }
  bool gzip() const { return gzip_; }
  const std::string& location() const { return location_; }  // Location header, or empty
  bool started() const { return started_; }
  const char* error() const { return error_; }

 private:
  State parseHeaders();
  State feedBody(const char* data, size_t len, size_t* used);
  State fail(const char* why) {
    error_ = why;
    return State::Error;
  }

  enum class Phase { Headers, Length, UntilClose, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Complete };
  Phase phase_ = Phase::Headers;
  std::string header_;
  bool head_ = false;
  bool started_ = false;
  int status_ = 0;
  int64_t contentLength_ = -1;
  int64_t remaining_ = 0;
  bool keepAlive_ = true;
  bool gzip_ = false;
  std::string line_;  // partial chunk-size or trailer line
  std::string location_;
  const char* error_ = "";
};

}  // namespace aviary::loadtester
