#pragma once
// Tunnel: after 101 Switching Protocols (WebSocket), a client connection and its backend
// connection are joined. Bytes are copied both ways as they arrive, one buffer per direction: a
// side is read only once the other side has taken the previous buffer (back-pressure), a
// half-close is passed on, and the tunnel ends when both directions have ended or either fails.
// A direction's buffer starts at 16 KiB (idle WebSockets, the common case, stay cheap) and grows
// to 64 KiB while reads fill it (bulk transfers: 1.4x the throughput for 0.7x the CPU, measured
// with bench/proxy/tunnel.sh).
// Worker-thread only; the owner routes the readiness events of both sockets to pump().
#include <cstdint>
#include <string_view>
#include <vector>

#include "proxy/event_loop.h"
#include "proxy/upstream.h"

namespace aviary::proxy {

class Tunnel {
 public:
  // `toClient` / `toUpstream`: bytes already received for the other side (the 101 head and what
  // followed it; what the client sent after its upgrade request). `upstream`'s events must go to
  // `handler` from now on.
  Tunnel(Stream& client, UpstreamConnectionPtr upstream, IoHandler* handler, std::string_view toClient,
         std::string_view toUpstream);

  enum class State {
    Waiting,  // both directions wait for readiness events
    More,     // a direction used its budget with more ready: call pump() again next round
    Over,     // both directions ended, or a socket failed: the owner closes both
  };
  // Moves what can move now, at most 256 KiB read per direction (so that one fast tunnel cannot
  // hold its worker's other connections up).
  State pump();
  uint64_t bytesToClient() const { return down_.moved; }
  uint64_t bytesToUpstream() const { return up_.moved; }

 private:
  struct Pipe {
    std::vector<char> buf;
    size_t off = 0;
    size_t len = 0;
    bool eof = false;   // the source ended
    bool done = false;  // ... and the sink was half-closed after the last byte
    bool filled = false;  // the last read filled the buffer: the next one gets a larger buffer
    uint64_t moved = 0;
  };
  enum class Step { Waiting, More, Failed };
  static Step move(Stream& from, Stream& to, Pipe& p);

  Stream& client_;
  UpstreamConnectionPtr upstream_;
  Pipe down_;  // backend -> client
  Pipe up_;    // client -> backend
};

}  // namespace aviary::proxy
