#pragma once
// Error texts of the built-in hey, worded like Go's net/http errors so that hey's "Error
// distribution" reads the same: `Get "URL": dial tcp 127.0.0.1:1: connect: connection refused`.
#include <string>

namespace aviary::loadtester {

enum class HeyErrorKind {
  Dial,     // connect() failed (errno)
  Eof,      // the server closed the connection before a complete response
  Timeout,  // -t passed
  Read,     // recv() failed (errno)
  Write,    // send() failed (errno)
  Parse,    // the response is not HTTP/1.x (why)
};

// `err` is an errno value (0 when not applicable); `why` a static reason for Parse (may be null).
std::string formatHeyError(HeyErrorKind kind, int err, const char* why, const std::string& method, const std::string& url,
                           const std::string& address);

}  // namespace aviary::loadtester
