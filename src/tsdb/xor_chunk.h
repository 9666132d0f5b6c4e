#pragma once
// An append-only compressed chunk of samples, encoded as Prometheus's XOR chunk (the Gorilla
// scheme): timestamps as delta-of-delta with variable-width buckets, values as the XOR with the
// previous value with a leading/trailing-zero window. A chunk of counters scraped at a steady
// interval takes 1–3 bytes per sample instead of 16.
//
// Encoding (bit stream, most significant bit first):
//   sample 0: timestamp as a zig-zag varint, value as its 64 raw bits;
//   sample 1: timestamp delta (> 0) as a varint, value XOR-encoded;
//   sample n: delta-of-delta  0 → '0'; fits 14 bits → '10'+14; 17 bits → '110'+17;
//             20 bits → '1110'+20; else '1111'+64 (two's complement);
//             value XOR with the previous: 0 → '0'; inside the previous window of meaningful bits
//             → '10'+those bits; else '11' + 5 bits leading zeros + 6 bits length (64 as 0) + bits.
// Values are stored as bit patterns, so every NaN payload (Prometheus's staleness marker), -0.0
// and ±Inf come back bit-exactly.
//
// Written here because no Debian package offers this codec to C++ (Prometheus's is Go), and the
// store needs the encoding itself, not a container format around it.
//
// Chunks are built only by this process (never decoded from outside data): the decoder trusts
// the stream it reads and asserts rather than validates.
//
// Threading: none; the owner (Store) serialises appends against reads.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "promql/value.h"

namespace aviary::tsdb {

using promql::Millis;
using promql::Sample;

class XorChunk {
 public:
  // Appends a sample. Precondition: count() == 0 or t > maxTime() (the store enforces order).
  void append(Millis t, double v);
  // Releases the stream's spare capacity; call when the chunk is full (no more appends expected,
  // though they remain allowed).
  void seal();

  uint16_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  Millis minTime() const { return minT_; }
  Millis maxTime() const { return maxT_; }
  double lastValue() const;
  // Heap bytes held by the stream (its capacity), not counting sizeof(XorChunk).
  size_t streamBytes() const { return data_.capacity(); }

  // Forward iteration over the chunk's samples, oldest first. The chunk must outlive it and not
  // be appended to while it is in use.
  class Iterator {
   public:
    explicit Iterator(const XorChunk& chunk) : chunk_(&chunk) {}
    // Advances to the next sample; false after the last one.
    bool next();
    Sample at() const { return {t_, std::bit_cast<double>(v_)}; }

   private:
    uint64_t readBits(unsigned n);
    bool readBit();
    uint64_t readVarint();
    void readValue();

    const XorChunk* chunk_;
    size_t pos_ = 0;  // bit position
    uint16_t read_ = 0;
    Millis t_ = 0;
    int64_t delta_ = 0;
    uint64_t v_ = 0;
    uint8_t leading_ = 0, trailing_ = 0;
  };
  Iterator iterator() const { return Iterator(*this); }

 private:
  void writeBits(uint64_t bits, unsigned n);  // the low n bits of `bits`, n ≤ 64
  void writeBit(bool bit) { writeBits(bit ? 1 : 0, 1); }
  void writeVarint(uint64_t x);
  void writeValue(uint64_t bits);

  std::vector<uint8_t> data_;
  uint8_t bitsFree_ = 0;                   // unused low bits of data_.back()
  uint8_t leading_ = 0xff, trailing_ = 0;  // the current XOR window; 0xff: none yet
  uint16_t count_ = 0;
  Millis minT_ = 0, maxT_ = 0;
  int64_t delta_ = 0;  // maxT_ minus the previous timestamp
  uint64_t lastV_ = 0;
};

}  // namespace aviary::tsdb
