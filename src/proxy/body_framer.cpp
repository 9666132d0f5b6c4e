// BodyFramer (declared in http_parser.h): where a message body ends in a stream of raw bytes, and
// for chunked bodies the chunk state machine. Kept apart from the head parser, which it shares
// nothing with but the header.
#include "proxy/http_parser.h"

namespace aviary::proxy {

void BodyFramer::reset(BodyKind kind, uint64_t contentLength) {
  kind_ = kind;
  state_ = State::Size;
  remaining_ = kind == BodyKind::Length ? contentLength : 0;
  payload_ = 0;
  sawDigit_ = false;
  failed_ = false;
  done_ = kind == BodyKind::None;
}

size_t BodyFramer::consume(const char* data, size_t len, std::string* payload) {
  if (done_ || failed_) return 0;
  if (kind_ == BodyKind::Length) {
    size_t n = len < remaining_ ? len : static_cast<size_t>(remaining_);
    remaining_ -= n;
    payload_ += n;
    done_ = remaining_ == 0;
    if (payload) payload->append(data, n);
    return n;
  }
  if (kind_ == BodyKind::UntilClose) {
    payload_ += len;
    if (payload) payload->append(data, len);
    return len;
  }
  size_t i = 0;
  while (i < len && !done_ && !failed_) {
    char c = data[i];
    switch (state_) {
      case State::Size: {
        int digit = (c >= '0' && c <= '9')   ? c - '0'
                    : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                             : -1;
        if (digit >= 0) {
          if (remaining_ >> 56) {  // would overflow
            failed_ = true;
            break;
          }
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(digit);
          sawDigit_ = true;
        } else if (sawDigit_ && (c == ';' || c == ' ' || c == '\t')) {
          state_ = State::Ext;
        } else if (sawDigit_ && c == '\r') {
          state_ = State::SizeLf;
        } else {
          failed_ = true;
        }
        ++i;
        break;
      }
      case State::Ext:
        if (c == '\r') state_ = State::SizeLf;
        else if (c == '\n') failed_ = true;
        ++i;
        break;
      case State::SizeLf:
        if (c != '\n') {
          failed_ = true;
          break;
        }
        ++i;
        state_ = remaining_ == 0 ? State::TrailerStart : State::Data;
        break;
      case State::Data: {
        size_t n = len - i < remaining_ ? len - i : static_cast<size_t>(remaining_);
        if (payload) payload->append(data + i, n);
        i += n;
        remaining_ -= n;
        payload_ += n;
        if (remaining_ == 0) state_ = State::DataCr;
        break;
      }
      case State::DataCr:
        if (c != '\r') failed_ = true;
        state_ = State::DataLf;
        ++i;
        break;
      case State::DataLf:
        if (c != '\n') failed_ = true;
        state_ = State::Size;
        sawDigit_ = false;
        ++i;
        break;
      case State::TrailerStart:  // either the final CRLF or a trailer field line
        state_ = c == '\r' ? State::FinalLf : State::TrailerLine;
        ++i;
        break;
      case State::TrailerLine:
        if (c == '\r') state_ = State::TrailerLf;
        else if (c == '\n') failed_ = true;  // a bare LF would never end the trailer section
        ++i;
        break;
      case State::TrailerLf:
        if (c != '\n') failed_ = true;
        state_ = State::TrailerStart;
        ++i;
        break;
      case State::FinalLf:
        if (c != '\n') failed_ = true;
        else done_ = true;
        ++i;
        break;
    }
  }
  return i;
}

}  // namespace aviary::proxy
