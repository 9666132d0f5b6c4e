#include "proxy/tunnel.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "proxy/worker.h"  // kBytesPerRound

namespace aviary::proxy {

namespace {
constexpr size_t kTunnelBuffer = 16 * 1024;     // per direction, to start with
constexpr size_t kTunnelBufferMax = 64 * 1024;  // grown to while reads fill the buffer

void preload(std::vector<char>& buf, size_t& len, std::string_view bytes) {
  buf.resize(std::max(kTunnelBuffer, bytes.size()));
  std::memcpy(buf.data(), bytes.data(), bytes.size());
  len = bytes.size();
}
}  // namespace

Tunnel::Tunnel(Stream& client, UpstreamConnectionPtr upstream, IoHandler* handler, std::string_view toClient,
               std::string_view toUpstream)
    : client_(client), upstream_(std::move(upstream)) {
  upstream_->user = handler;
  preload(down_.buf, down_.len, toClient);
  preload(up_.buf, up_.len, toUpstream);
}

Tunnel::State Tunnel::pump() {
  const Step down = move(upstream_->stream, client_, down_);
  const Step up = move(client_, upstream_->stream, up_);
  if (down == Step::Failed || up == Step::Failed || (down_.done && up_.done)) return State::Over;
  return down == Step::More || up == Step::More ? State::More : State::Waiting;
}

Tunnel::Step Tunnel::move(Stream& from, Stream& to, Pipe& p) {
  // Runs until a socket says "not now" (then its next edge resumes it) or the budget is spent
  // (then the owner calls again next round: edge-triggered, nothing else would).
  for (size_t readBytes = 0;;) {
    if (p.off < p.len) {
      const iovec v{p.buf.data() + p.off, p.len - p.off};
      const ssize_t n = to.write(&v, 1);
      if (n == -EAGAIN) return Step::Waiting;  // resumed by the sink's writable edge
      if (n < 0) return Step::Failed;
      p.off += static_cast<size_t>(n);
      p.moved += static_cast<uint64_t>(n);
      continue;
    }
    p.off = p.len = 0;
    if (p.eof) {
      if (!p.done) to.shutdownWrite();
      p.done = true;
      return Step::Waiting;
    }
    if (!from.readable()) return Step::Waiting;
    if (readBytes >= kBytesPerRound) return Step::More;  // per direction and pump() (worker.h)
    if (p.filled && p.buf.size() < kTunnelBufferMax) {
      p.buf.resize(std::min(kTunnelBufferMax, p.buf.size() * 2));  // empty now: nothing to copy
    }
    const ssize_t n = from.read(p.buf.data(), p.buf.size());
    if (n == -EAGAIN) return Step::Waiting;
    if (n < 0) return Step::Failed;
    if (n == 0) {
      p.eof = true;
      continue;
    }
    p.len = static_cast<size_t>(n);
    p.filled = p.len == p.buf.size();
    readBytes += p.len;
  }
}

}  // namespace aviary::proxy
