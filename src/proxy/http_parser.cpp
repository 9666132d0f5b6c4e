#include "proxy/http_parser.h"

#include <algorithm>
#include <cstring>

namespace aviary::proxy {
namespace {

// RFC 9110 tchar.
constexpr bool isToken(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

// Field values: visible ASCII, obs-text, space and tab.
constexpr bool isValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

Span trimmed(const char* buf, size_t b, size_t e) {
  while (b < e && (buf[b] == ' ' || buf[b] == '\t')) ++b;
  while (e > b && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) --e;
  return Span{static_cast<uint32_t>(b), static_cast<uint32_t>(e - b)};
}

// RFC 3986 authority characters (reg-name, IP literal, port, percent-encoding); no userinfo '@'.
constexpr bool isAuthorityChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("-._~!$&'()*+,;=:[]%", c) != nullptr && c != 0;
}

bool validAuthority(std::string_view a) {
  for (char c : a) {
    if (!isAuthorityChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// True when buf[from, len) holds an LF not preceded by CR. A head with one never gets the CRLF
// CRLF that ends it, so without this check it would wait for more bytes until the idle timeout.
bool bareLf(const char* buf, size_t from, size_t len) {
  while (from < len) {
    const void* lf = memchr(buf + from, '\n', len - from);
    if (lf == nullptr) return false;
    size_t i = static_cast<size_t>(static_cast<const char*>(lf) - buf);
    if (i == 0 || buf[i - 1] != '\r') return true;
    from = i + 1;
  }
  return false;
}

// Finds "\r\n\r\n" in buf[from, len); returns the offset just past it or 0.
size_t findHeadEnd(const char* buf, size_t len, size_t& scanFrom, size_t start) {
  size_t from = std::max(scanFrom > 3 ? scanFrom - 3 : 0, start);
  const void* hit = len > from ? memmem(buf + from, len - from, "\r\n\r\n", 4) : nullptr;
  if (hit == nullptr) {
    scanFrom = len;
    return 0;
  }
  return static_cast<const char*>(hit) - buf + 4;
}

bool parseVersion(std::string_view v, int& minor) {
  if (v.size() != 8 || v.substr(0, 7) != "HTTP/1.") return false;
  if (v[7] != '0' && v[7] != '1') return false;
  minor = v[7] - '0';
  return true;
}

bool parseDecimal(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

bool containsToken(std::string_view list, std::string_view token) {
  size_t i = 0;
  while (i < list.size()) {
    size_t comma = list.find(',', i);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(i, comma - i);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (equalsIgnoreCase(item, token)) return true;
    i = comma + 1;
  }
  return false;
}

// Parses header lines in buf[pos, headEnd - 2) and derives framing and connection flags.
ParseStatus parseFields(const char* buf, size_t pos, size_t headEnd, bool isRequest, MessageHead& out,
                        ParseError& error) {
  out.headerCount = 0;
  bool sawLength = false;
  bool sawTe = false;
  bool chunked = false;
  bool keepAlive = false;
  bool connectionUpgrade = false;
  int hosts = 0;
  const size_t end = headEnd - 2;  // the final CRLF
  while (pos < end) {
    const char* lineEnd = static_cast<const char*>(memchr(buf + pos, '\r', end - pos));
    size_t eol = lineEnd ? static_cast<size_t>(lineEnd - buf) : end;
    if (eol + 1 >= headEnd || buf[eol + 1] != '\n') {
      error = ParseError::Malformed;
      return ParseStatus::Error;
    }
    size_t colon = pos;
    while (colon < eol && isToken(static_cast<unsigned char>(buf[colon]))) ++colon;
    if (colon == pos || colon >= eol || buf[colon] != ':') {  // also rejects obs-fold and "name :"
      error = ParseError::Malformed;
      return ParseStatus::Error;
    }
    for (size_t i = colon + 1; i < eol; ++i) {
      if (!isValueChar(static_cast<unsigned char>(buf[i]))) {
        error = ParseError::Malformed;
        return ParseStatus::Error;
      }
    }
    if (out.headerCount == kMaxHeaders) {
      error = ParseError::HeadTooLarge;
      return ParseStatus::Error;
    }
    HeaderField& f = out.headers[out.headerCount++];
    f.name = Span{static_cast<uint32_t>(pos), static_cast<uint32_t>(colon - pos)};
    f.value = trimmed(buf, colon + 1, eol);
    std::string_view name = out.view(buf, f.name);
    std::string_view value = out.view(buf, f.value);
    if (equalsIgnoreCase(name, "content-length")) {
      uint64_t n = 0;
      if (!parseDecimal(value, n) || (sawLength && n != out.contentLength)) {
        error = ParseError::BadFraming;
        return ParseStatus::Error;
      }
      sawLength = true;
      out.contentLength = n;
    } else if (equalsIgnoreCase(name, "transfer-encoding")) {
      if (sawTe) {  // several Transfer-Encoding lines: refuse rather than guess
        error = ParseError::BadFraming;
        return ParseStatus::Error;
      }
      sawTe = true;
      chunked = equalsIgnoreCase(value, "chunked");
      if (!chunked && isRequest) {
        error = ParseError::BadFraming;
        return ParseStatus::Error;
      }
    } else if (equalsIgnoreCase(name, "connection")) {
      if (containsToken(value, "close")) out.connectionClose = true;
      if (containsToken(value, "keep-alive")) keepAlive = true;
      if (containsToken(value, "upgrade")) connectionUpgrade = true;
    } else if (equalsIgnoreCase(name, "upgrade")) {
      out.upgradeValue = f.value;
    } else if (isRequest && equalsIgnoreCase(name, "expect")) {
      out.expectContinue = equalsIgnoreCase(value, "100-continue");
    } else if (isRequest && equalsIgnoreCase(name, "host")) {
      // RFC 9112 §3.2: more than one Host, or an invalid one, is a 400 (two proxies reading
      // different ones is a routing bypass).
      if (++hosts > 1 || !validAuthority(value)) {
        error = ParseError::Malformed;
        return ParseStatus::Error;
      }
      if (!out.absoluteForm) out.host = f.value;
    }
    pos = eol + 2;
  }
  // Request smuggling defence (RFC 9112 §6.3): both framings at once is an error.
  if (sawTe && sawLength && isRequest) {
    error = ParseError::BadFraming;
    return ParseStatus::Error;
  }
  if (isRequest && hosts == 0 && out.minorVersion == 1) {  // RFC 9112 §3.2: Host is required
    error = ParseError::Malformed;
    return ParseStatus::Error;
  }
  if (out.minorVersion == 0 && !keepAlive) out.connectionClose = true;
  out.upgrade = connectionUpgrade && out.upgradeValue.len > 0;
  if (chunked) {
    out.body = BodyKind::Chunked;
  } else if (sawTe) {
    out.body = BodyKind::UntilClose;  // responses only (requests rejected above)
  } else if (sawLength) {
    out.body = out.contentLength > 0 ? BodyKind::Length : BodyKind::None;
  } else {
    out.body = isRequest ? BodyKind::None : BodyKind::UntilClose;
  }
  return ParseStatus::Done;
}

void resetHead(MessageHead& out) {
  out.status = 0;
  out.minorVersion = 1;
  out.headerCount = 0;
  out.headLength = 0;
  out.body = BodyKind::None;
  out.contentLength = 0;
  out.connectionClose = false;
  out.expectContinue = false;
  out.upgradeValue = Span{};
  out.upgrade = false;
  out.host = Span{};
  out.absoluteForm = false;
}

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && equalsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// Classifies the request target (RFC 9112 §3.2) at buf[off, off + len). Origin-form is kept;
// absolute-form becomes origin-form: `target` is narrowed to its path and query and `host` set to
// its authority. Returns false for anything else (authority-form, relative paths, userinfo...).
bool normalizeTarget(const char* buf, std::string_view method, MessageHead& out) {
  std::string_view t = out.view(buf, out.target);
  if (t[0] == '/') return true;
  if (t == "*") return method == "OPTIONS";
  size_t scheme = startsWithIgnoreCase(t, "http://") ? 7 : startsWithIgnoreCase(t, "https://") ? 8 : 0;
  if (scheme == 0) return false;
  size_t end = t.find_first_of("/?#", scheme);
  if (end == std::string_view::npos) end = t.size();
  std::string_view authority = t.substr(scheme, end - scheme);
  if (authority.empty() || !validAuthority(authority) || (end < t.size() && t[end] != '/')) return false;
  out.absoluteForm = true;
  out.host = Span{static_cast<uint32_t>(out.target.off + scheme), static_cast<uint32_t>(authority.size())};
  if (end == t.size()) {
    // "http://a": the path is "/", and the second slash of "://" is one to point at.
    out.target = Span{static_cast<uint32_t>(out.target.off + scheme - 1), 1};
  } else {
    out.target = Span{static_cast<uint32_t>(out.target.off + end), static_cast<uint32_t>(t.size() - end)};
  }
  return true;
}

}  // namespace

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[i]);
    if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z')) return false;
  }
  return true;
}

ParseStatus parseRequestHead(const char* buf, size_t len, size_t maxHead, size_t& scanFrom, MessageHead& out,
                             ParseError& error) {
  error = ParseError::None;
  // Tolerate empty lines before a request (RFC 9112 §2.2).
  size_t start = 0;
  while (start + 1 < len && buf[start] == '\r' && buf[start + 1] == '\n') start += 2;
  const size_t scanned = std::max(scanFrom, start);
  size_t headEnd = findHeadEnd(buf, len, scanFrom, start);
  if (headEnd == 0) {
    if (len > maxHead) {
      error = ParseError::HeadTooLarge;
      return ParseStatus::Error;
    }
    if (bareLf(buf, scanned, len)) {
      error = ParseError::Malformed;
      return ParseStatus::Error;
    }
    return ParseStatus::NeedMore;
  }
  if (headEnd > maxHead) {
    error = ParseError::HeadTooLarge;
    return ParseStatus::Error;
  }
  resetHead(out);
  out.headLength = headEnd;
  const char* lineEnd = static_cast<const char*>(memchr(buf + start, '\r', headEnd - start));
  if (lineEnd == nullptr || static_cast<size_t>(lineEnd - buf) + 1 >= headEnd || lineEnd[1] != '\n') {
    error = ParseError::Malformed;
    return ParseStatus::Error;
  }
  size_t eol = static_cast<size_t>(lineEnd - buf);
  std::string_view line(buf + start, eol - start);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1 || line.find(' ', sp2 + 1) != line.npos) {
    error = ParseError::Malformed;
    return ParseStatus::Error;
  }
  for (size_t i = 0; i < sp1; ++i) {
    if (!isToken(static_cast<unsigned char>(line[i]))) {
      error = ParseError::Malformed;
      return ParseStatus::Error;
    }
  }
  for (size_t i = sp1 + 1; i < sp2; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if (c <= 0x20 || c == 0x7f) {
      error = ParseError::Malformed;
      return ParseStatus::Error;
    }
  }
  if (!parseVersion(line.substr(sp2 + 1), out.minorVersion)) {
    error = line.substr(sp2 + 1).substr(0, 5) == "HTTP/" ? ParseError::VersionNotSupported : ParseError::Malformed;
    return ParseStatus::Error;
  }
  out.method = Span{static_cast<uint32_t>(start), static_cast<uint32_t>(sp1)};
  out.target = Span{static_cast<uint32_t>(start + sp1 + 1), static_cast<uint32_t>(sp2 - sp1 - 1)};
  if (!normalizeTarget(buf, line.substr(0, sp1), out)) {
    error = ParseError::Malformed;
    return ParseStatus::Error;
  }
  return parseFields(buf, eol + 2, headEnd, true, out, error);
}

ParseStatus parseResponseHead(const char* buf, size_t len, size_t maxHead, size_t& scanFrom, bool headRequest,
                              MessageHead& out, ParseError& error) {
  error = ParseError::None;
  const size_t scanned = scanFrom;
  size_t headEnd = findHeadEnd(buf, len, scanFrom, 0);
  if (headEnd == 0) {
    if (len > maxHead) {
      error = ParseError::HeadTooLarge;
      return ParseStatus::Error;
    }
    if (bareLf(buf, scanned, len)) {
      error = ParseError::Malformed;
      return ParseStatus::Error;
    }
    return ParseStatus::NeedMore;
  }
  resetHead(out);
  out.headLength = headEnd;
  size_t eol = static_cast<size_t>(static_cast<const char*>(memchr(buf, '\r', headEnd)) - buf);
  if (buf[eol + 1] != '\n') {
    error = ParseError::Malformed;
    return ParseStatus::Error;
  }
  std::string_view line(buf, eol);
  if (line.size() < 12 || !parseVersion(line.substr(0, 8), out.minorVersion) || line[8] != ' ' ||
      (line.size() > 12 && line[12] != ' ')) {
    error = ParseError::Malformed;
    return ParseStatus::Error;
  }
  uint64_t status = 0;
  if (!parseDecimal(line.substr(9, 3), status) || status < 100 || status > 599) {
    error = ParseError::Malformed;
    return ParseStatus::Error;
  }
  out.status = static_cast<int>(status);
  out.reason = line.size() > 13 ? Span{13, static_cast<uint32_t>(line.size() - 13)} : Span{};
  ParseStatus st = parseFields(buf, eol + 2, headEnd, false, out, error);
  if (st == ParseStatus::Done && (headRequest || status < 200 || status == 204 || status == 304)) {
    out.body = BodyKind::None;
  }
  return st;
}

}  // namespace aviary::proxy
