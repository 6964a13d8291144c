#include "sm/outcome.h"

#include "core/bytes.h"
#include "sm/outcome_code.h"

namespace walfs {
namespace {

// Format 2 starts with this byte; format 1 started with a code's raw value
// (at most 19), so the two never collide.
constexpr uint8_t kFormat2Marker = 0xF2;

void EncodeTail(const Outcome& o, std::string* out) {
  PutVarint(out, static_cast<uint64_t>(o.failed_condition + 1));
  PutVarint(out, static_cast<uint64_t>(o.failed_index + 1));
  out->append(o.position.Encode());
  PutVarint(out, o.results.size());
  for (const auto& r : o.results) {
    PutBytes(out, r.path);
    out->append(r.version.Encode());
    PutVarint(out, r.size);
    out->push_back(static_cast<char>((r.offset ? 1 : 0) | (r.created ? 2 : 0)));
    if (r.offset) PutVarint(out, *r.offset);
  }
}

}  // namespace

// Format 2: u8 0xF2, u8 wire code, then the tail.
// Format 1: u8 code (its raw value, equal to the wire code), bytes message,
// then the tail.
// Tail: varint failed_condition+1, varint failed_index+1, 16-byte position,
// varint n, then per result: bytes path, 16-byte version, varint size,
// u8 flags (1 has offset, 2 created), [varint offset].
std::string EncodeOutcome(const Outcome& o, uint8_t format) {
  std::string out;
  auto wire = static_cast<uint8_t>(o.code);
  if (format >= 2) {
    out.push_back(static_cast<char>(kFormat2Marker));
    out.push_back(static_cast<char>(wire));
  } else {
    out.push_back(static_cast<char>(wire));
    PutBytes(&out, o.message);
  }
  EncodeTail(o, &out);
  return out;
}

std::optional<Outcome> DecodeOutcome(std::string_view bytes) {
  Reader r(bytes);
  Outcome o;
  uint8_t first = r.U8();
  bool v2 = first == kFormat2Marker;
  auto code = OutcomeCodeFromWire(v2 ? r.U8() : first);
  if (!code) return std::nullopt;
  o.code = *code;
  if (!v2) o.message = std::string(r.Bytes(1 << 20));
  o.failed_condition = static_cast<int64_t>(r.Varint()) - 1;
  o.failed_index = static_cast<int64_t>(r.Varint()) - 1;
  auto pos = Position::Decode(r.Raw(16));
  uint64_t n = r.Varint();
  if (!r.ok() || !pos || n > 100000) return std::nullopt;
  o.position = *pos;
  for (uint64_t i = 0; i < n; ++i) {
    OpResult res;
    res.path = std::string(r.Bytes(1 << 16));
    auto v = Position::Decode(r.Raw(16));
    res.size = r.Varint();
    uint8_t flags = r.U8();
    if (flags & 1) res.offset = r.Varint();
    res.created = (flags & 2) != 0;
    if (!r.ok() || !v) return std::nullopt;
    res.version = *v;
    o.results.push_back(std::move(res));
  }
  if (!r.done()) return std::nullopt;
  return o;
}

}  // namespace walfs
