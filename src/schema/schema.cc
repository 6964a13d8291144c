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
}  // namespace keys

std::string EncodeDirent(NodeType type, uint64_t ino) {
  std::string v(1, static_cast<char>(type));
  PutFixed64BE(&v, ino);
  return v;
}

bool DecodeDirent(std::string_view v, NodeType* type, uint64_t* ino) {
  if (v.size() != 9 || (v[0] != 1 && v[0] != 2)) return false;
  *type = static_cast<NodeType>(v[0]);
  *ino = GetFixed64BE(v.data() + 1);
  return true;
}

std::string EncodeInode(const Inode& n) {
  std::string v(1, static_cast<char>(n.type));
  PutVarint(&v, n.size);
  v.append(n.version.Encode());
  PutVarint(&v, n.mtime_ms);
  return v;
}

std::optional<Inode> DecodeInode(std::string_view v) {
  Reader r(v);
  Inode n;
  uint8_t t = r.U8();
  if (t != 1 && t != 2) return std::nullopt;
  n.type = static_cast<NodeType>(t);
  n.size = r.Varint();
  auto pos = Position::Decode(r.Raw(16));
  n.mtime_ms = r.Varint();
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
