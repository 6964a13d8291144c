#include "schema/upload_records.h"

#include "core/bytes.h"

namespace walfs {

std::string EncodeExtent(const Extent& e) {
  std::string v;
  PutVarint(&v, e.length);
  v.append(e.chunk.Encode());
  PutVarint(&v, e.offset);
  return v;
}

std::optional<Extent> DecodeExtent(std::string_view key_end, std::string_view v) {
  if (key_end.size() != 8) return std::nullopt;
  Reader r(v);
  Extent e;
  uint64_t end = GetFixed64BE(key_end.data());
  e.length = r.Varint();
  auto chunk = Position::Decode(r.Raw(16));
  e.offset = r.Varint();
  if (!r.ok() || !r.done() || !chunk || e.length == 0 || e.length > end) return std::nullopt;
  e.chunk = *chunk;
  e.start = end - e.length;
  return e;
}

std::string EncodeChunk(const ChunkRecord& c) {
  std::string v;
  PutVarint(&v, c.size);
  PutBytes(&v, c.upload);
  PutVarint(&v, c.part);
  v.push_back(c.sealed ? 1 : 0);
  PutVarint(&v, c.refs);
  return v;
}

std::optional<ChunkRecord> DecodeChunk(std::string_view v) {
  Reader r(v);
  ChunkRecord c;
  c.size = r.Varint();
  c.upload = std::string(r.Bytes(kUploadIdBytes));
  uint64_t part = r.Varint();
  uint8_t sealed = r.U8();
  c.refs = r.Varint();
  if (!r.ok() || !r.done() || part > UINT32_MAX || sealed > 1) return std::nullopt;
  c.part = static_cast<uint32_t>(part);
  c.sealed = sealed == 1;
  return c;
}

std::string EncodeUpload(const UploadRecord& u) {
  std::string v;
  PutBytes(&v, u.path);
  v.push_back(static_cast<char>(u.target));
  PutVarint(&v, u.offset);
  PutVarint(&v, u.expiry_ms);
  PutVarint(&v, u.created_ms);
  PutVarint(&v, u.expires_ms);
  PutVarint(&v, u.staged_bytes);
  if (!u.meta.empty()) EncodeFileMeta(&v, u.meta);  // absent before format 4
  return v;
}

std::optional<UploadRecord> DecodeUpload(std::string_view v) {
  Reader r(v);
  UploadRecord u;
  u.path = std::string(r.Bytes(1 << 16));
  uint8_t t = r.U8();
  u.offset = r.Varint();
  u.expiry_ms = r.Varint();
  u.created_ms = r.Varint();
  u.expires_ms = r.Varint();
  u.staged_bytes = r.Varint();
  if (r.ok() && !r.done()) u.meta = DecodeFileMeta(r);
  if (!r.ok() || !r.done() || t < 1 || t > 3) return std::nullopt;
  u.target = static_cast<OpType>(t);
  return u;
}

std::string EncodePart(const PartRecord& p) {
  std::string v;
  PutVarint(&v, p.size);
  PutBytes(&v, p.md5);
  PutVarint(&v, p.chunks.size());
  for (const auto& c : p.chunks) v.append(c.Encode());
  return v;
}

std::optional<PartRecord> DecodePart(std::string_view v) {
  Reader r(v);
  PartRecord p;
  p.size = r.Varint();
  p.md5 = std::string(r.Bytes(16));
  uint64_t n = r.Varint();
  if (!r.ok() || n * 16 != r.remaining()) return std::nullopt;
  for (uint64_t i = 0; i < n; ++i) {
    auto c = Position::Decode(r.Raw(16));
    if (!c) return std::nullopt;
    p.chunks.push_back(*c);
  }
  return p;
}

bool ValidUploadId(std::string_view s) {
  if (s.size() != kUploadIdBytes) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace walfs
