#pragma once
// A zero-copy, incremental HTTP/1.1 message parser for the proxy's data path.
//
// Why hand-written and not Beast's parser: Beast's basic_parser is exception-free too, but it
// copies header fields into a fields container (one heap node per header) and is measurably
// slower on the proxy's hot path. This parser records header fields as offsets into the caller's
// receive buffer (no copies, no allocations) and only validates what the proxy relies on.
//
// Contract: the caller owns the buffer and passes its whole valid prefix each time; parse
// functions never read past `len`. All offsets in a MessageHead are relative to that buffer and
// stay valid as long as the buffer's prefix is not moved.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aviary::proxy {

struct Span {
  uint32_t off = 0;
  uint32_t len = 0;
};

struct HeaderField {
  Span name;
  Span value;
};

// Enough for real clients; a request with more header lines is answered 431.
constexpr size_t kMaxHeaders = 100;

enum class ParseStatus {
  NeedMore,  // the head is incomplete: read more bytes and call again
  Done,      // MessageHead is filled in
  Error,     // see ParseError
};

enum class ParseError {
  None,
  Malformed,        // syntax error (400)
  HeadTooLarge,     // the head exceeds the limit, or too many header lines (431)
  BadFraming,       // conflicting/unsupported Content-Length / Transfer-Encoding (400)
  VersionNotSupported,  // not HTTP/1.0 or HTTP/1.1 (505 for requests)
};

enum class BodyKind {
  None,        // no body
  Length,      // exactly contentLength bytes
  Chunked,     // chunked transfer coding, forwarded verbatim
  UntilClose,  // responses only: the body ends when the upstream closes
};

struct MessageHead {
  // Request line (requests only). For an absolute-form target see `absoluteForm` below.
  Span method;
  Span target;
  // Status line (responses only).
  int status = 0;
  Span reason;
  int minorVersion = 1;
  HeaderField headers[kMaxHeaders];
  size_t headerCount = 0;
  size_t headLength = 0;  // bytes up to and including the empty line
  // Derived from the headers.
  BodyKind body = BodyKind::None;
  uint64_t contentLength = 0;
  bool connectionClose = false;      // "Connection: close" (or HTTP/1.0 without keep-alive)
  bool expectContinue = false;       // "Expect: 100-continue"
  Span upgradeValue;                 // the Upgrade header's value (len 0: none)
  bool upgrade = false;              // an Upgrade header and "Connection: upgrade"
  // Requests only. The request's authority: the absolute-form target's authority when the
  // target was absolute-form, else the Host header's value (len 0: none, HTTP/1.0 only).
  Span host;
  // The target was absolute-form ("http://authority/path"): `target` then spans only its path
  // and query (origin-form), and `host` its authority; the Host header is to be replaced.
  bool absoluteForm = false;

  std::string_view view(const char* base, Span s) const { return {base + s.off, s.len}; }
};

// Parses a request head from buf[0, len). `scanFrom` keeps the search position between calls on
// a growing buffer (start with 0). `maxHead` bounds the head size.
// Refused as Malformed (RFC 9112 §2.2, §3.2): a line ending in a bare LF (at once, not when the
// head would be complete), a target that is neither origin-form ("/..."), absolute-form
// ("http[s]://authority[/path[?query]]", no userinfo; "http://a?q", whose empty path cannot be
// made origin-form without a copy, is refused too) nor "*" for OPTIONS; HTTP/1.1 without Host; more than one Host; a Host or authority with characters
// outside RFC 3986's authority syntax.
ParseStatus parseRequestHead(const char* buf, size_t len, size_t maxHead, size_t& scanFrom, MessageHead& out,
                             ParseError& error);

// Parses a response head. `headRequest` marks the response to a HEAD request (no body);
// 1xx, 204 and 304 responses never have a body either.
ParseStatus parseResponseHead(const char* buf, size_t len, size_t maxHead, size_t& scanFrom, bool headRequest,
                              MessageHead& out, ParseError& error);

// ASCII case-insensitive equality.
bool equalsIgnoreCase(std::string_view a, std::string_view b);

// Finds the body's end in a stream of raw body bytes without copying them. For chunked bodies it
// runs the chunk state machine (sizes, extensions, trailers) and counts payload bytes.
class BodyFramer {
 public:
  void reset(BodyKind kind, uint64_t contentLength);

  // Consumes up to `len` raw bytes; returns how many belong to the body. Check done()/failed().
  // With `payload`, the body's payload bytes among them (chunk framing removed) are appended.
  size_t consume(const char* data, size_t len, std::string* payload = nullptr);
  // For UntilClose bodies: the peer closed, the body is complete.
  void finishOnClose() { done_ = true; }

  bool done() const { return done_; }
  bool failed() const { return failed_; }
  uint64_t payloadBytes() const { return payload_; }

 private:
  enum class State { Size, Ext, SizeLf, Data, DataCr, DataLf, TrailerStart, TrailerLine, TrailerLf, FinalLf };
  BodyKind kind_ = BodyKind::None;
  State state_ = State::Size;
  uint64_t remaining_ = 0;
  uint64_t payload_ = 0;
  bool sawDigit_ = false;
  bool done_ = true;
  bool failed_ = false;
};

}  // namespace aviary::proxy
