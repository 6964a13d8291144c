#include "schema/schema.h"

#include "core/bytes.h"

namespace walfs {
namespace keys {
std::string Meta(std::string_view name) { return "M" + std::string(name); }
std::string DirentPrefix(uint64_t parent) {
  std::string k = "D";
  PutFixed64BE(&k, parent);
  return k;
}
std::string Dirent(uint64_t parent, std::string_view name) {
  return DirentPrefix(parent).append(name);
}
std::string Inode(uint64_t ino) {
  std::string k = "I";
  PutFixed64BE(&k, ino);
  return k;
}
std::string Attrs(uint64_t ino) {
  std::string k = "A";
  PutFixed64BE(&k, ino);
  return k;
}
std::string BlockPrefix(uint64_t ino) {
  std::string k = "B";
  PutFixed64BE(&k, ino);
  return k;
}
std::string Block(uint64_t ino, uint64_t index) {
  std::string k = BlockPrefix(ino);
  PutFixed64BE(&k, index);
  return k;
}
std::string Idem(std::string_view key) { return "K" + std::string(key); }
std::string IdemTime(uint64_t ms, std::string_view key) {
  std::string k(kIdemTimePrefix);
  PutFixed64BE(&k, ms);
  return k.append(key);
}
std::string ExtentPrefix(uint64_t ino) {
  std::string k = "X";
  PutFixed64BE(&k, ino);
  return k;
}
std::string Extent(uint64_t ino, uint64_t end) {
  std::string k = ExtentPrefix(ino);
  PutFixed64BE(&k, end);
  return k;
}
std::string Chunk(const Position& chunk) { return "Q" + chunk.Encode(); }
std::string ChunkPiecePrefix(const Position& chunk) { return "C" + chunk.Encode(); }
std::string ChunkPiece(const Position& chunk, uint32_t piece) {
  std::string k = ChunkPiecePrefix(chunk);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>(piece >> shift));
  return k;
}
std::string Upload(std::string_view upload) { return std::string(kUploadPrefix).append(upload); }
std::string PartPrefix(std::string_view upload) { return "P" + std::string(upload); }
std::string Part(std::string_view upload, uint32_t part) {
  std::string k = PartPrefix(upload);
  for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>(part >> shift));
  return k;
}
std::string Event(const Position& pos, uint32_t index) {
  std::string k(kEventPrefix);
  k += pos.Encode();
  PutFixed32BE(&k, index);
  return k;
}
std::string UploadChunkPrefix(std::string_view upload) { return "S" + std::string(upload); }
std::string UploadChunk(std::string_view upload, const Position& chunk) {
  return UploadChunkPrefix(upload) + chunk.Encode();
}
std::string UploadExpiry(uint64_t ms, std::string_view upload) {
  std::string k(kUploadExpiryPrefix);
  PutFixed64BE(&k, ms);
  return k.append(upload);
}
}  // namespace keys

std::string EncodeDirent(NodeType type, uint64_t ino) {
  std::string v(1, static_cast<char>(type));
  PutFixed64BE(&v, ino);
  return v;
}

uint32_t DefaultMode(NodeType t) {
  switch (t) {
    case NodeType::kDir:
      return 0755;
    case NodeType::kSymlink:
      return 0777;
    case NodeType::kFile:
      break;
  }
  return 0644;
}

Inode NewInode(NodeType type, Position version, uint64_t mtime_ms) {
  Inode n;
  n.type = type;
  n.version = version;
  n.mtime_ms = n.atime_ms = n.ctime_ms = mtime_ms;
  n.mode = DefaultMode(type);
  return n;
}

bool DecodeDirent(std::string_view v, NodeType* type, uint64_t* ino) {
  if (v.size() != 9 || v[0] < 1 || v[0] > 3) return false;
  *type = static_cast<NodeType>(v[0]);
  *ino = GetFixed64BE(v.data() + 1);
  return true;
}

std::string EncodeInode(const Inode& n) {
  std::string v(1, static_cast<char>(n.type));
  PutVarint(&v, n.size);
  v.append(n.version.Encode());
  PutVarint(&v, n.mtime_ms);
  uint64_t flags = (n.extents ? 1 : 0) | (n.meta ? 2 : 0) | (n.posix ? 4 : 0);
  if (flags != 0) PutVarint(&v, flags);
  if (n.posix) {
    PutVarint(&v, n.mode);
    PutVarint(&v, n.uid ? uint64_t{*n.uid} + 1 : 0);
    PutVarint(&v, n.gid ? uint64_t{*n.gid} + 1 : 0);
    PutVarint(&v, n.atime_ms);
    PutVarint(&v, n.ctime_ms);
  }
  return v;
}

namespace {
// An owner as stored: 0 none, else the id + 1.
bool DecodeId(Reader& r, std::optional<uint32_t>* id) {
  uint64_t v = r.Varint();
  if (v > uint64_t{UINT32_MAX}) return false;
  if (v != 0) *id = static_cast<uint32_t>(v - 1);
  return true;
}
}  // namespace

std::optional<Inode> DecodeInode(std::string_view v) {
  Reader r(v);
  Inode n;
  uint8_t t = r.U8();
  if (t < 1 || t > 3) return std::nullopt;
  n.type = static_cast<NodeType>(t);
  n.size = r.Varint();
  auto pos = Position::Decode(r.Raw(16));
  n.mtime_ms = r.Varint();
  if (!r.done()) {
    uint64_t flags = r.Varint();
    if (flags == 0 || flags > 7) return std::nullopt;
    n.extents = (flags & 1) != 0;
    n.meta = (flags & 2) != 0;
    n.posix = (flags & 4) != 0;
  }
  if (n.posix) {
    uint64_t mode = r.Varint();
    if (mode > UINT32_MAX || !DecodeId(r, &n.uid) || !DecodeId(r, &n.gid)) return std::nullopt;
    n.mode = static_cast<uint32_t>(mode);
    n.atime_ms = r.Varint();
    n.ctime_ms = r.Varint();
  } else {
    n.mode = DefaultMode(n.type);
    n.atime_ms = n.ctime_ms = n.mtime_ms;
  }
  if (!r.ok() || !r.done() || !pos) return std::nullopt;
  n.version = *pos;
  return n;
}

std::string EncodeU64(uint64_t v) {
  std::string s;
  PutFixed64BE(&s, v);
  return s;
}

std::optional<uint64_t> DecodeU64(std::string_view v) {
  if (v.size() != 8) return std::nullopt;
  return GetFixed64BE(v.data());
}

}  // namespace walfs
