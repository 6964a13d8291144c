#include "sm/outcome.h"

#include "core/bytes.h"

namespace walfs {

// u8 code, bytes message, varint failed_condition+1, varint failed_index+1,
// 16-byte position, varint n, then per result: bytes path, 16-byte version,
// varint size, u8 flags (1 has offset, 2 created), [varint offset].
std::string EncodeOutcome(const Outcome& o) {
  std::string out(1, static_cast<char>(o.code));
  PutBytes(&out, o.message);
  PutVarint(&out, static_cast<uint64_t>(o.failed_condition + 1));
  PutVarint(&out, static_cast<uint64_t>(o.failed_index + 1));
  out.append(o.position.Encode());
  PutVarint(&out, o.results.size());
  for (const auto& r : o.results) {
    PutBytes(&out, r.path);
    out.append(r.version.Encode());
    PutVarint(&out, r.size);
    out.push_back(static_cast<char>((r.offset ? 1 : 0) | (r.created ? 2 : 0)));
    if (r.offset) PutVarint(&out, *r.offset);
  }
  return out;
}

std::optional<Outcome> DecodeOutcome(std::string_view bytes) {
  Reader r(bytes);
  Outcome o;
  o.code = static_cast<Code>(r.U8());
  o.message = std::string(r.Bytes(1 << 20));
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
