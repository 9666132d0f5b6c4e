// libFuzzer target: the proxy's HTTP/1.1 parser. Feeds the input as a request stream (head, then
// body framing, then the next pipelined request) split at a position chosen by the first byte,
// and as a response. Checks the parser's own invariants: offsets stay inside the input, and a
// parsed request's target is origin-form or "*".
#include <cstdint>
#include <cstdlib>
#include <string>

#include "proxy/http_parser.h"

using namespace aviary::proxy;

namespace {

void checkHead(const MessageHead& h, size_t len) {
  if (h.headLength > len) std::abort();
  auto inside = [&](Span s) { return static_cast<size_t>(s.off) + s.len <= h.headLength; };
  if (!inside(h.method) || !inside(h.target) || !inside(h.reason) || !inside(h.upgradeValue) || !inside(h.host)) {
    std::abort();
  }
  if (h.upgrade && h.upgradeValue.len == 0) std::abort();
  for (size_t i = 0; i < h.headerCount; ++i) {
    if (!inside(h.headers[i].name) || !inside(h.headers[i].value)) std::abort();
  }
}

void parseStream(const char* data, size_t size, size_t split) {
  size_t pos = 0;
  for (int requests = 0; requests < 8 && pos < size; ++requests) {
    MessageHead head;
    ParseError err;
    size_t scan = 0;
    const size_t avail = size - pos;
    // Incremental: first a prefix, then everything (as a growing receive buffer would).
    ParseStatus st = parseRequestHead(data + pos, std::min(split, avail), 4096, scan, head, err);
    if (st == ParseStatus::NeedMore) st = parseRequestHead(data + pos, avail, 4096, scan, head, err);
    if (st != ParseStatus::Done) return;
    checkHead(head, avail);
    // A request that parsed has an origin-form target (absolute-form made so) or "*".
    std::string_view target = head.view(data + pos, head.target);
    if (target.empty() || (target[0] != '/' && target != "*")) std::abort();
    BodyFramer framer;
    framer.reset(head.body, head.contentLength);
    // Split in two at `split`, collecting the payload: the same bytes used, the same payload
    // count, and the payload never larger than what was consumed.
    const size_t bodyAvail = avail - head.headLength;
    const size_t first = std::min(split, bodyAvail);
    std::string payload;
    size_t used = framer.consume(data + pos + head.headLength, first, &payload);
    if (used == first && !framer.done() && !framer.failed()) {
      used += framer.consume(data + pos + head.headLength + first, bodyAvail - first, &payload);
    }
    if (used > bodyAvail || payload.size() != framer.payloadBytes() || payload.size() > used) std::abort();
    if (!framer.done() || framer.failed()) return;
    pos += head.headLength + used;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t split = data[0];
  const char* text = reinterpret_cast<const char*>(data + 1);
  parseStream(text, size - 1, split);
  MessageHead head;
  ParseError err;
  size_t scan = 0;
  if (parseResponseHead(text, size - 1, 4096, scan, (data[0] & 1) != 0, head, err) == ParseStatus::Done) {
    checkHead(head, size - 1);
  }
  return 0;
}
