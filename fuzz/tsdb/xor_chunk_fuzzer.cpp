// Fuzzes the XOR chunk's encoder and decoder together. Chunks are only ever built by this process
// from scraped samples (never decoded from outside bytes), so the untrusted part is the sequence
// of samples: the input is read as 16-byte (timestamp delta, value bits) records, appended in
// order, and every sample must come back bit-exactly through both a fresh and a sealed chunk.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tsdb/xor_chunk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using aviary::tsdb::XorChunk;
  std::vector<aviary::tsdb::Sample> in;
  XorChunk chunk;
  int64_t t = 0;
  for (size_t off = 0; off + 16 <= size && in.size() < 1000; off += 16) {
    uint64_t dt, vbits;
    std::memcpy(&dt, data + off, 8);
    std::memcpy(&vbits, data + off + 8, 8);
    // Any positive step; the timestamp wraps like the encoder's own arithmetic, so stop when the
    // order would break rather than feeding the chunk what the store never would.
    const uint64_t step = dt == 0 ? 1 : dt;
    const int64_t next = static_cast<int64_t>(static_cast<uint64_t>(t) + step);
    if (!in.empty() && next <= t) break;
    t = in.empty() ? static_cast<int64_t>(dt) : next;
    in.push_back({t, std::bit_cast<double>(vbits)});
    chunk.append(t, in.back().v);
  }
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) chunk.seal();
    auto it = chunk.iterator();
    for (const auto& s : in) {
      if (!it.next() || it.at().t != s.t || std::bit_cast<uint64_t>(it.at().v) != std::bit_cast<uint64_t>(s.v))
        std::abort();
    }
    if (it.next()) std::abort();
  }
  if (!in.empty() && (chunk.minTime() != in.front().t || chunk.maxTime() != in.back().t)) std::abort();
  return 0;
}
