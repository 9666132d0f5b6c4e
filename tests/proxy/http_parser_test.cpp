#include "proxy/http_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace aviary::proxy {
namespace {

struct Parsed {
  ParseStatus status;
  ParseError error;
  MessageHead head;
};

Parsed parseRequest(const std::string& s, size_t maxHead = 8192) {
  Parsed p{};
  size_t scan = 0;
  p.status = parseRequestHead(s.data(), s.size(), maxHead, scan, p.head, p.error);
  return p;
}

TEST(HttpParserTest, ParsesRequestLineAndHeadersWithoutCopying) {
  std::string s = "GET /a/b?x=1 HTTP/1.1\r\nHost: example\r\nX-Test:  padded value \r\n\r\n";
  Parsed p = parseRequest(s);
  ASSERT_EQ(p.status, ParseStatus::Done);
  EXPECT_EQ(p.head.view(s.data(), p.head.method), "GET");
  EXPECT_EQ(p.head.view(s.data(), p.head.target), "/a/b?x=1");
  ASSERT_EQ(p.head.headerCount, 2u);
  EXPECT_EQ(p.head.view(s.data(), p.head.headers[1].value), "padded value");
  EXPECT_EQ(p.head.headLength, s.size());
  EXPECT_EQ(p.head.body, BodyKind::None);
  EXPECT_FALSE(p.head.connectionClose);
}

TEST(HttpParserTest, IncrementalInputNeedsMoreUntilTheEmptyLine) {
  std::string s = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  MessageHead head;
  ParseError err;
  size_t scan = 0;
  for (size_t n = 1; n < s.size() - 3; ++n) {
    ASSERT_EQ(parseRequestHead(s.data(), n, 8192, scan, head, err), ParseStatus::NeedMore) << n;
  }
  ASSERT_EQ(parseRequestHead(s.data(), s.size(), 8192, scan, head, err), ParseStatus::Done);
  EXPECT_EQ(head.body, BodyKind::Length);
  EXPECT_EQ(head.contentLength, 3u);
}

TEST(HttpParserTest, RejectsMalformedAndSmuggling) {
  EXPECT_EQ(parseRequest("GET  / HTTP/1.1\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\n folded\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/2.0\r\n\r\n").error, ParseError::VersionNotSupported);
  EXPECT_EQ(parseRequest("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n").error,
            ParseError::BadFraming);
  EXPECT_EQ(parseRequest("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").error,
            ParseError::BadFraming);
  EXPECT_EQ(parseRequest("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").error, ParseError::BadFraming);
}

// The probes of issue 24: each was forwarded (or hung) before.
TEST(HttpParserTest, RefusesTargetsThatAreNotOriginOrAbsoluteForm) {
  EXPECT_EQ(parseRequest("GET foo HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET internal.example:80 HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("CONNECT internal.example:443 HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET * HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").status, ParseStatus::Done);
  EXPECT_EQ(parseRequest("GET ftp://x/ HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET http:///a HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET http://user@x/ HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET http://x?q HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET http://x#f HTTP/1.1\r\nHost: h\r\n\r\n").error, ParseError::Malformed);
}

TEST(HttpParserTest, AbsoluteFormBecomesOriginFormWithItsAuthority) {
  std::string s = "GET http://internal.example:8080/admin?x=1 HTTP/1.1\r\nHost: other\r\n\r\n";
  Parsed p = parseRequest(s);
  ASSERT_EQ(p.status, ParseStatus::Done);
  EXPECT_TRUE(p.head.absoluteForm);
  EXPECT_EQ(p.head.view(s.data(), p.head.target), "/admin?x=1");
  EXPECT_EQ(p.head.view(s.data(), p.head.host), "internal.example:8080");
  s = "GET HTTPS://x HTTP/1.1\r\nHost: x\r\n\r\n";
  p = parseRequest(s);
  ASSERT_EQ(p.status, ParseStatus::Done);
  EXPECT_EQ(p.head.view(s.data(), p.head.target), "/");
  EXPECT_EQ(p.head.view(s.data(), p.head.host), "x");
  s = "GET /a HTTP/1.1\r\nHost: origin.example\r\n\r\n";
  p = parseRequest(s);
  EXPECT_FALSE(p.head.absoluteForm);
  EXPECT_EQ(p.head.view(s.data(), p.head.host), "origin.example");
}

TEST(HttpParserTest, HostMustBeOneAndValid) {
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: a b\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n").status, ParseStatus::Done);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost:\r\n\r\n").status, ParseStatus::Done);  // empty is allowed
  EXPECT_EQ(parseRequest("GET / HTTP/1.0\r\n\r\n").status, ParseStatus::Done);  // 1.0 needs none
}

TEST(HttpParserTest, BareLfIsRefusedAtOnce) {
  // Never NeedMore: the CRLF CRLF that would end such a head never comes.
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\nHost: x\n\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: x\n\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("\nGET / HTTP/1.1\r\n").error, ParseError::Malformed);
  EXPECT_EQ(parseRequest("GET / HTTP/1.1\r\nHost: x\r\nA: b\nC: d\r\n\r\n").error, ParseError::Malformed);
  // Byte by byte, a CR at the end of one read and its LF in the next is fine.
  std::string s = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  MessageHead head;
  ParseError err;
  size_t scan = 0;
  for (size_t n = 1; n < s.size(); ++n) {
    ASSERT_EQ(parseRequestHead(s.data(), n, 8192, scan, head, err), ParseStatus::NeedMore) << n;
  }
  s = "GET / HTTP/1.1\r\nHost: x\r\n\nmore";
  scan = 0;
  EXPECT_EQ(parseRequestHead(s.data(), 25, 8192, scan, head, err), ParseStatus::NeedMore);
  EXPECT_EQ(parseRequestHead(s.data(), s.size(), 8192, scan, head, err), ParseStatus::Error);
  // Responses too: a backend's bare-LF head is a 502 at once, not a wait for the timeout.
  std::string r = "HTTP/1.1 200 OK\nContent-Length: 0\n\n";
  scan = 0;
  EXPECT_EQ(parseResponseHead(r.data(), r.size(), 8192, scan, false, head, err), ParseStatus::Error);
  // And a chunked body's trailer line.
  std::string body = "0\r\nX-T: 1\n\n";
  BodyFramer f;
  f.reset(BodyKind::Chunked, 0);
  f.consume(body.data(), body.size());
  EXPECT_TRUE(f.failed());
}

TEST(HttpParserTest, HeadTooLargeAndTooManyHeaders) {
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a');
  EXPECT_EQ(parseRequest(big).error, ParseError::HeadTooLarge);
  std::string many = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i <= kMaxHeaders; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parseRequest(many + "\r\n", 1 << 20).error, ParseError::HeadTooLarge);
}

TEST(HttpParserTest, ConnectionSemantics) {
  EXPECT_TRUE(parseRequest("GET / HTTP/1.0\r\n\r\n").head.connectionClose);
  EXPECT_FALSE(parseRequest("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").head.connectionClose);
  EXPECT_TRUE(parseRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n").head.connectionClose);
  EXPECT_TRUE(parseRequest("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n").head.expectContinue);
  // An upgrade needs both the Upgrade header and the "upgrade" token in Connection.
  const std::string ws = "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n";
  Parsed up = parseRequest(ws);
  EXPECT_TRUE(up.head.upgrade);
  EXPECT_EQ(up.head.view(ws.data(), up.head.upgradeValue), "websocket");
  EXPECT_FALSE(parseRequest("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n").head.upgrade);
  EXPECT_FALSE(parseRequest("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n").head.upgrade);
}

TEST(HttpParserTest, ResponseFraming) {
  MessageHead h;
  ParseError err;
  size_t scan = 0;
  std::string r = "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
  ASSERT_EQ(parseResponseHead(r.data(), r.size(), 8192, scan, false, h, err), ParseStatus::Done);
  EXPECT_EQ(h.status, 204);
  EXPECT_EQ(h.body, BodyKind::None);
  r = "HTTP/1.1 200 OK\r\n\r\n";
  scan = 0;
  ASSERT_EQ(parseResponseHead(r.data(), r.size(), 8192, scan, false, h, err), ParseStatus::Done);
  EXPECT_EQ(h.body, BodyKind::UntilClose);
  r = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  scan = 0;
  ASSERT_EQ(parseResponseHead(r.data(), r.size(), 8192, scan, true, h, err), ParseStatus::Done);
  EXPECT_EQ(h.body, BodyKind::None);  // HEAD
  r = "HTTP/1.1 2x0 OK\r\n\r\n";
  scan = 0;
  EXPECT_EQ(parseResponseHead(r.data(), r.size(), 8192, scan, false, h, err), ParseStatus::Error);
}

TEST(BodyFramerTest, ChunkedBodyWithExtensionsAndTrailers) {
  std::string body = "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
  BodyFramer f;
  f.reset(BodyKind::Chunked, 0);
  size_t used = 0;
  for (char c : body.substr(0, body.size() - 4)) used += f.consume(&c, 1);  // byte by byte
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.failed());
  EXPECT_EQ(used, body.size() - 4);
  EXPECT_EQ(f.payloadBytes(), 9u);
  f.reset(BodyKind::Chunked, 0);
  EXPECT_EQ(f.consume(body.data(), body.size()), body.size() - 4);  // stops at the body's end
  EXPECT_TRUE(f.done());
  // The payload without the framing, in pieces of any size (here split inside a chunk and
  // inside a size line).
  std::string payload;
  f.reset(BodyKind::Chunked, 0);
  f.consume(body.data(), 11, &payload);
  f.consume(body.data() + 11, 7, &payload);
  f.consume(body.data() + 18, body.size() - 18, &payload);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(payload, "Wikipedia");
}

TEST(BodyFramerTest, RejectsBadChunks) {
  for (std::string bad : {"x\r\n", "4\r\nabcdX", "\r\n", "ffffffffffffffffff\r\n"}) {
    BodyFramer f;
    f.reset(BodyKind::Chunked, 0);
    f.consume(bad.data(), bad.size());
    EXPECT_TRUE(f.failed()) << bad;
  }
}

TEST(BodyFramerTest, ContentLength) {
  BodyFramer f;
  f.reset(BodyKind::Length, 5);
  EXPECT_EQ(f.consume("abc", 3), 3u);
  EXPECT_FALSE(f.done());
  EXPECT_EQ(f.consume("defgh", 5), 2u);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.payloadBytes(), 5u);
}

}  // namespace
}  // namespace aviary::proxy
