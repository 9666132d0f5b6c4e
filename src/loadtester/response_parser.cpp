#include "loadtester/response_parser.h"

#include <strings.h>

#include <algorithm>
#include <cstring>

namespace aviary::loadtester {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxLineBytes = 4096;

bool nameIs(const char* p, size_t n, const char* want, size_t wantLen) {
  return n == wantLen && strncasecmp(p, want, n) == 0;
}

bool containsToken(const char* p, size_t n, const char* token) {
  size_t t = std::char_traits<char>::length(token);
  for (size_t i = 0; i + t <= n; ++i) {
    if (strncasecmp(p + i, token, t) == 0) return true;
  }
  return false;
}

}  // namespace

void ResponseParser::reset(bool headRequest) {
  phase_ = Phase::Headers;
  header_.clear();
  line_.clear();
  location_.clear();
  head_ = headRequest;
  started_ = false;
  status_ = 0;
  contentLength_ = -1;
  remaining_ = 0;
  keepAlive_ = true;
  gzip_ = false;
  error_ = "";
}

ResponseParser::State ResponseParser::feed(const char* data, size_t len, size_t* used) {
  *used = 0;
  if (len > 0) started_ = true;
  if (phase_ != Phase::Headers) return feedBody(data, len, used);
  size_t old = header_.size();
  header_.append(data, len);
  size_t pos = header_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
  if (pos == std::string::npos) {
    *used = len;
    return header_.size() > kMaxHeaderBytes ? fail("response headers too large") : State::NeedMore;
  }
  size_t headerEnd = pos + 4;
  size_t consumed = headerEnd - old;
  header_.resize(headerEnd);
  State s = parseHeaders();
  if (s == State::Error) return s;
  if (status_ >= 100 && status_ < 200 && status_ != 101) {
    // Interim response (100 Continue): the real one follows.
    header_.clear();
    phase_ = Phase::Headers;
    contentLength_ = -1;
    gzip_ = false;
    size_t more = 0;
    s = feed(data + consumed, len - consumed, &more);
    *used = consumed + more;
    return s;
  }
  if (phase_ == Phase::Complete) {
    *used = consumed;
    return State::Done;
  }
  size_t bodyUsed = 0;
  s = feedBody(data + consumed, len - consumed, &bodyUsed);
  *used = consumed + bodyUsed;
  return s;
}

ResponseParser::State ResponseParser::parseHeaders() {
  const char* p = header_.data();
  size_t n = header_.size();
  // Status line: HTTP/1.x SSS reason
  if (n < 12 || strncasecmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ') return fail("malformed HTTP status line");
  bool http10 = p[7] == '0';
  keepAlive_ = !http10;
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (p[i] < '0' || p[i] > '9') return fail("malformed HTTP status code");
    code = code * 10 + (p[i] - '0');
  }
  status_ = code;
  bool chunked = false;
  size_t lineStart = header_.find("\r\n") + 2;
  while (lineStart + 2 <= n) {
    size_t lineEnd = header_.find("\r\n", lineStart);
    if (lineEnd == std::string::npos || lineEnd == lineStart) break;
    const char* line = p + lineStart;
    size_t lineLen = lineEnd - lineStart;
    const char* colon = static_cast<const char*>(memchr(line, ':', lineLen));
    if (colon) {
      size_t nameLen = static_cast<size_t>(colon - line);
      const char* v = colon + 1;
      size_t vLen = lineLen - nameLen - 1;
      while (vLen && (*v == ' ' || *v == '\t')) ++v, --vLen;
      if (nameIs(line, nameLen, "content-length", 14)) {
        int64_t cl = 0;
        if (vLen == 0) return fail("malformed Content-Length");
        for (size_t i = 0; i < vLen && v[i] != ' ' && v[i] != '\r'; ++i) {
          if (v[i] < '0' || v[i] > '9') return fail("malformed Content-Length");
          cl = cl * 10 + (v[i] - '0');
        }
        contentLength_ = cl;
      } else if (nameIs(line, nameLen, "transfer-encoding", 17)) {
        chunked = containsToken(v, vLen, "chunked");
      } else if (nameIs(line, nameLen, "connection", 10)) {
        if (containsToken(v, vLen, "close")) keepAlive_ = false;
        if (containsToken(v, vLen, "keep-alive")) keepAlive_ = true;
      } else if (nameIs(line, nameLen, "location", 8)) {
        location_.assign(v, vLen);
        while (!location_.empty() && (location_.back() == ' ' || location_.back() == '\t')) location_.pop_back();
      } else if (nameIs(line, nameLen, "content-encoding", 16)) {
        gzip_ = containsToken(v, vLen, "gzip");
      }
    }
    lineStart = lineEnd + 2;
  }
  if (head_ || status_ == 204 || status_ == 304 || (status_ >= 100 && status_ < 200)) {
    phase_ = Phase::Complete;
  } else if (chunked) {
    contentLength_ = -1;
    phase_ = Phase::ChunkSize;
  } else if (contentLength_ >= 0) {
    remaining_ = contentLength_;
    phase_ = remaining_ == 0 ? Phase::Complete : Phase::Length;
  } else {
    keepAlive_ = false;
    phase_ = Phase::UntilClose;
  }
  return State::NeedMore;
}

ResponseParser::State ResponseParser::feedBody(const char* data, size_t len, size_t* used) {
  size_t i = 0;
  while (i < len && phase_ != Phase::Complete) {
    switch (phase_) {
      case Phase::Length:
      case Phase::ChunkData: {
        size_t take = static_cast<size_t>(std::min<int64_t>(remaining_, static_cast<int64_t>(len - i)));
        remaining_ -= static_cast<int64_t>(take);
        i += take;
        if (remaining_ == 0) phase_ = phase_ == Phase::Length ? Phase::Complete : Phase::ChunkDataEnd;
        break;
      }
      case Phase::UntilClose:
        i = len;
        break;
      case Phase::ChunkDataEnd:
        if (data[i++] == '\n') phase_ = Phase::ChunkSize;
        break;
      case Phase::ChunkSize:
      case Phase::Trailer: {
        char c = data[i++];
        if (c != '\n') {
          if (line_.size() >= kMaxLineBytes) return fail("chunk header too long");
          line_ += c;
          break;
        }
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        if (phase_ == Phase::Trailer) {
          if (line_.empty()) phase_ = Phase::Complete;
          line_.clear();
          break;
        }
        int64_t size = 0;
        size_t digits = 0;
        for (char h : line_) {
          int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
          if (d < 0) break;
          if (++digits > 15) return fail("chunk size too large");
          size = size * 16 + d;
        }
        if (digits == 0) return fail("malformed chunk size");
        line_.clear();
        remaining_ = size;
        phase_ = size == 0 ? Phase::Trailer : Phase::ChunkData;
        break;
      }
      default:
        break;
    }
  }
  *used = i;
  return phase_ == Phase::Complete ? State::Done : State::NeedMore;
}

ResponseParser::State ResponseParser::onEof() {
  if (phase_ == Phase::UntilClose || phase_ == Phase::Complete) {
    phase_ = Phase::Complete;
    return State::Done;
  }
  return fail("unexpected EOF");
}

}  // namespace aviary::loadtester
