#include "proxy/tunnel.h"

#include <cerrno>
#include <cstring>

namespace aviary::proxy {

namespace {
constexpr size_t kTunnelBuffer = 16 * 1024;

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

bool Tunnel::pump() {
  if (!move(upstream_->stream, client_, down_) || !move(client_, upstream_->stream, up_)) return false;
  return !(down_.done && up_.done);
}

bool Tunnel::move(Stream& from, Stream& to, Pipe& p) {
  // Runs until a socket says "not now" (edge-triggered: stopping earlier would lose the edge).
  for (;;) {
    if (p.off < p.len) {
      const iovec v{p.buf.data() + p.off, p.len - p.off};
      const ssize_t n = to.write(&v, 1);
      if (n == -EAGAIN) return true;  // resumed by the sink's writable edge
      if (n < 0) return false;
      p.off += static_cast<size_t>(n);
      p.moved += static_cast<uint64_t>(n);
      continue;
    }
    p.off = p.len = 0;
    if (p.eof) {
      if (!p.done) to.shutdownWrite();
      p.done = true;
      return true;
    }
    if (!from.readable()) return true;
    const ssize_t n = from.read(p.buf.data(), p.buf.size());
    if (n == -EAGAIN) return true;
    if (n < 0) return false;
    if (n == 0) {
      p.eof = true;
      continue;
    }
    p.len = static_cast<size_t>(n);
  }
}

}  // namespace aviary::proxy
