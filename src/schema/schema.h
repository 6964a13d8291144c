// Schema: how the namespace is laid out as keys and values in the store.
//
//   "M" name                      meta: applied position, digest, entry
//                                 count, format, block size, next inode id,
//                                 file count, byte count
//   "D" parent_ino(8 BE) name     directory entry -> u8 type, u64 BE inode
//   "I" ino(8 BE)                 inode -> u8 type, varint size, 16-byte
//                                 version position, varint mtime_ms
//   "B" ino(8 BE) index(8 BE)     one block of file content (<= block size;
//                                 a short or missing block reads as zeros)
//   "K" key                       idempotency record
//   "T" ms(8 BE) key              idempotency index by log time, for pruning
//
// Directory entries are keyed by the parent's inode, so a directory rename
// moves one entry and copies no data, and a listing is one prefix scan in
// name order. Blocks are keyed by inode and index, so writing n bytes costs
// O(n) whatever the file size.
// Thread-safety: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/position.h"

namespace walfs {

inline constexpr uint64_t kRootInode = 1;
inline constexpr uint32_t kStoreFormatVersion = 1;
inline constexpr uint32_t kDefaultBlockBytes = 4096;
inline constexpr uint64_t kIdempotencyRetentionMs = 24ull * 3600 * 1000;
inline constexpr uint64_t kMaxFileBytes = 1ull << 40;  // 1 TiB
// The largest data field the state machine will decode. A fixed constant,
// not configuration: replicas with different limits would diverge. The
// configurable, smaller limit is enforced where requests arrive.
inline constexpr uint64_t kMaxEntryDataBytes = 512ull << 20;

enum class NodeType : uint8_t { kFile = 1, kDir = 2 };

struct Inode {
  NodeType type = NodeType::kFile;
  uint64_t size = 0;
  Position version;
  uint64_t mtime_ms = 0;
};

namespace keys {
std::string Meta(std::string_view name);
std::string Dirent(uint64_t parent, std::string_view name);
std::string DirentPrefix(uint64_t parent);
std::string Inode(uint64_t ino);
std::string Block(uint64_t ino, uint64_t index);
std::string BlockPrefix(uint64_t ino);
std::string Idem(std::string_view key);
std::string IdemTime(uint64_t ms, std::string_view key);
inline constexpr std::string_view kIdemTimePrefix = "T";
inline constexpr std::string_view kApplied = "applied";
inline constexpr std::string_view kDigest = "digest";
inline constexpr std::string_view kFormat = "format";
inline constexpr std::string_view kBlockBytes = "block_bytes";
inline constexpr std::string_view kNextInode = "next_inode";
inline constexpr std::string_view kEntries = "entries";             // entries applied, ever
inline constexpr std::string_view kDigestFormat = "digest_format";  // absent: 1
inline constexpr std::string_view kFiles = "files";                 // files in the namespace
inline constexpr std::string_view kBytes = "bytes";                 // sum of the files' sizes
inline constexpr std::string_view kIdemOldest = "idem_oldest";  // log time of the oldest "T" record
}  // namespace keys

std::string EncodeDirent(NodeType type, uint64_t ino);
bool DecodeDirent(std::string_view v, NodeType* type, uint64_t* ino);
std::string EncodeInode(const Inode& n);
std::optional<Inode> DecodeInode(std::string_view v);
std::string EncodeU64(uint64_t v);
std::optional<uint64_t> DecodeU64(std::string_view v);

}  // namespace walfs
