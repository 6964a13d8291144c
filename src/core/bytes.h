// Little helpers to write and read integers and length-prefixed strings in
// byte strings. Varints are LEB128, and only their shortest form is read. Readers never read past
// the end: a Reader that runs out records the failure and returns zeros, so decoders check ok()
// once. Thread-safety: none needed (values and a cursor over caller-owned bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace walfs {

void PutFixed64BE(std::string* out, uint64_t v);
uint64_t GetFixed64BE(const char* p);
void PutFixed32BE(std::string* out, uint32_t v);
uint32_t GetFixed32BE(const char* p);
void PutFixed32LE(std::string* out, uint32_t v);
void PutFixed64LE(std::string* out, uint64_t v);
uint32_t GetFixed32LE(const char* p);
uint64_t GetFixed64LE(const char* p);
void PutVarint(std::string* out, uint64_t v);
// Varint length, then the bytes.
void PutBytes(std::string* out, std::string_view s);

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t U8();
  uint64_t Varint();
  uint64_t Fixed64LE();
  // A varint length then that many bytes; fails if the length exceeds max.
  std::string_view Bytes(uint64_t max);
  std::string_view Raw(size_t n);
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  void Fail() {
    ok_ = false;
    in_ = {};
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace walfs
