#include "core/bytes.h"

namespace walfs {

void PutFixed64BE(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * (7 - i))) & 0xff);
  out->append(b, 8);
}

void PutFixed32BE(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * (3 - i))) & 0xff);
  out->append(b, 4);
}

uint32_t GetFixed32BE(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t GetFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutFixed32LE(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutFixed64LE(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetFixed32LE(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t GetFixed64LE(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

uint8_t Reader::U8() {
  if (in_.empty()) {
    Fail();
    return 0;
  }
  auto v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return v;
}

uint64_t Reader::Varint() {
  uint64_t v = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (in_.empty()) break;
    auto b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    if (shift == 63 && b > 1) break;  // would overflow 64 bits
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      // Only the shortest encoding is accepted, so that every value has one
      // byte form (decode(encode(x)) and encode(decode(b)) both round-trip).
      if (shift > 0 && b == 0) break;
      return v;
    }
  }
  Fail();
  return 0;
}

uint64_t Reader::Fixed64LE() {
  auto r = Raw(8);
  return r.size() == 8 ? GetFixed64LE(r.data()) : 0;
}

std::string_view Reader::Raw(size_t n) {
  if (in_.size() < n) {
    Fail();
    return {};
  }
  auto r = in_.substr(0, n);
  in_.remove_prefix(n);
  return r;
}

std::string_view Reader::Bytes(uint64_t max) {
  uint64_t n = Varint();
  if (!ok_ || n > max || n > in_.size()) {
    Fail();
    return {};
  }
  return Raw(static_cast<size_t>(n));
}

}  // namespace walfs
