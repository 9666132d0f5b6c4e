#include "tsdb/xor_chunk.h"

#include <algorithm>
#include <cassert>

namespace aviary::tsdb {

// store.h and docs/metrics-server.md count 64 bytes of bookkeeping a chunk.
static_assert(sizeof(XorChunk) <= 64);

namespace {

// The stream grows by this many bytes at a time rather than doubling: a chunk of 120 counter
// samples is ~150–400 bytes, and doubling would leave up to half of that unused in every open
// chunk (one per series).
constexpr size_t kGrowth = 32;

uint64_t zigzag(int64_t x) {
  return (static_cast<uint64_t>(x) << 1) ^ static_cast<uint64_t>(x >> 63);
}
int64_t unzigzag(uint64_t x) {
  return static_cast<int64_t>(x >> 1) ^ -static_cast<int64_t>(x & 1);
}

// Whether x fits in an n-bit two's complement field.
bool fits(int64_t x, unsigned n) {
  return x >= -(int64_t{1} << (n - 1)) && x < (int64_t{1} << (n - 1));
}

int64_t signExtend(uint64_t x, unsigned n) {
  const uint64_t sign = uint64_t{1} << (n - 1);
  return static_cast<int64_t>((x ^ sign) - sign);
}

// Delta-of-delta buckets: prefix bits (value, width) and payload width.
struct Bucket {
  uint64_t prefix;
  unsigned prefixBits, payloadBits;
};
constexpr Bucket kBuckets[] = {{0b10, 2, 14}, {0b110, 3, 17}, {0b1110, 4, 20}};

}  // namespace

void XorChunk::writeBits(uint64_t bits, unsigned n) {
  while (n > 0) {
    if (bitsFree_ == 0) {
      if (data_.size() == data_.capacity()) data_.reserve(data_.size() + kGrowth);
      data_.push_back(0);
      bitsFree_ = 8;
    }
    const unsigned take = std::min<unsigned>(n, bitsFree_);
    const auto part = static_cast<uint8_t>((bits >> (n - take)) & ((1u << take) - 1));
    data_.back() = static_cast<uint8_t>(data_.back() | (part << (bitsFree_ - take)));
    bitsFree_ = static_cast<uint8_t>(bitsFree_ - take);
    n -= take;
  }
}

void XorChunk::writeVarint(uint64_t x) {
  while (x >= 0x80) {
    writeBits((x & 0x7f) | 0x80, 8);
    x >>= 7;
  }
  writeBits(x, 8);
}

void XorChunk::writeValue(uint64_t bits) {
  const uint64_t x = bits ^ lastV_;
  if (x == 0) {
    writeBit(false);
    return;
  }
  writeBit(true);
  // Five bits hold the leading-zero count, so it is capped at 31 (the rest count as meaningful).
  const auto lead = static_cast<uint8_t>(std::min(std::countl_zero(x), 31));
  const auto trail = static_cast<uint8_t>(std::countr_zero(x));
  if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
    writeBit(false);
    writeBits(x >> trailing_, 64u - leading_ - trailing_);
    return;
  }
  leading_ = lead;
  trailing_ = trail;
  const unsigned sig = 64u - lead - trail;
  writeBit(true);
  writeBits(lead, 5);
  writeBits(sig & 63, 6);  // 64 is written as 0
  writeBits(x >> trail, sig);
}

void XorChunk::append(Millis t, double v) {
  assert(count_ == 0 || t > maxT_);
  assert(count_ < UINT16_MAX);
  const auto bits = std::bit_cast<uint64_t>(v);
  if (count_ == 0) {
    writeVarint(zigzag(t));
    writeBits(bits, 64);
    minT_ = t;
  } else {
    // Unsigned arithmetic: differences of extreme timestamps wrap instead of overflowing, and
    // the decoder wraps the same way.
    const uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(maxT_);
    if (count_ == 1) {
      writeVarint(delta);
    } else {
      const auto dod = static_cast<int64_t>(delta - static_cast<uint64_t>(delta_));
      if (dod == 0) {
        writeBit(false);
      } else {
        bool written = false;
        for (const auto& b : kBuckets) {
          if (fits(dod, b.payloadBits)) {
            writeBits(b.prefix, b.prefixBits);
            writeBits(static_cast<uint64_t>(dod), b.payloadBits);
            written = true;
            break;
          }
        }
        if (!written) {
          writeBits(0b1111, 4);
          writeBits(static_cast<uint64_t>(dod), 64);
        }
      }
    }
    delta_ = static_cast<int64_t>(delta);
    writeValue(bits);
  }
  maxT_ = t;
  lastV_ = bits;
  ++count_;
}

void XorChunk::seal() {
  data_.shrink_to_fit();
}

double XorChunk::lastValue() const {
  return std::bit_cast<double>(lastV_);
}

uint64_t XorChunk::Iterator::readBits(unsigned n) {
  uint64_t out = 0;
  const uint8_t* data = chunk_->data_.data();
  while (n > 0) {
    assert((pos_ >> 3) < chunk_->data_.size());
    const unsigned avail = 8 - static_cast<unsigned>(pos_ & 7);
    const unsigned take = std::min(avail, n);
    out = (out << take) | ((data[pos_ >> 3] >> (avail - take)) & ((1u << take) - 1));
    pos_ += take;
    n -= take;
  }
  return out;
}

bool XorChunk::Iterator::readBit() {
  return readBits(1) != 0;
}

uint64_t XorChunk::Iterator::readVarint() {
  uint64_t x = 0;
  for (unsigned shift = 0;; shift += 7) {
    const uint64_t byte = readBits(8);
    x |= (byte & 0x7f) << shift;
    if (!(byte & 0x80)) return x;
  }
}

void XorChunk::Iterator::readValue() {
  if (!readBit()) return;  // same value
  unsigned sig;
  if (!readBit()) {
    sig = 64u - leading_ - trailing_;
  } else {
    leading_ = static_cast<uint8_t>(readBits(5));
    sig = static_cast<unsigned>(readBits(6));
    if (sig == 0) sig = 64;
    trailing_ = static_cast<uint8_t>(64u - leading_ - sig);
  }
  v_ ^= readBits(sig) << trailing_;
}

bool XorChunk::Iterator::next() {
  if (read_ >= chunk_->count_) return false;
  if (read_ == 0) {
    t_ = unzigzag(readVarint());
    v_ = readBits(64);
  } else {
    if (read_ == 1) {
      delta_ = static_cast<int64_t>(readVarint());
    } else {
      unsigned ones = 0;
      while (ones < 4 && readBit()) ++ones;
      uint64_t dod = 0;
      if (ones == 4) {
        dod = readBits(64);
      } else if (ones > 0) {
        const unsigned width = kBuckets[ones - 1].payloadBits;
        dod = static_cast<uint64_t>(signExtend(readBits(width), width));
      }
      delta_ = static_cast<int64_t>(static_cast<uint64_t>(delta_) + dod);
    }
    t_ = static_cast<Millis>(static_cast<uint64_t>(t_) + static_cast<uint64_t>(delta_));
    readValue();
  }
  ++read_;
  return true;
}

}  // namespace aviary::tsdb
