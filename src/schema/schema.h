// Schema: how the namespace is laid out as keys and values in the store.
//
//   "M" name                      meta: applied position, digest, entry
//                                 count, format, block size, next inode id,
//                                 file count, byte count
//   "D" parent_ino(8 BE) name     directory entry -> u8 type, u64 BE inode
//   "I" ino(8 BE)                 inode -> u8 type (1 file, 2 directory,
//                                 3 symbolic link), varint size, 16-byte
//                                 version position, varint mtime_ms[,
//                                 varint flags: 1 extents, 2 metadata,
//                                 4 POSIX attributes; with 4: varint mode,
//                                 varint uid + 1, varint gid + 1 (0: none),
//                                 varint atime_ms, varint ctime_ms]
//   "A" ino(8 BE)                 a file's metadata (codec/file_meta.h),
//                                 present iff its inode has flag 2
//   "B" ino(8 BE) index(8 BE)     one block of file content (<= block size;
//                                 a short or missing block reads as zeros)
//   "K" key                       idempotency record
//   "T" ms(8 BE) key              idempotency index by log time, for pruning
//   "X" ino(8 BE) end(8 BE)       extent of a file: bytes [end - length, end)
//                                 are bytes of a chunk (schema/upload_records.h)
//   "Q" chunk(16)                 chunk record: size, references, owner
//   "C" chunk(16) piece(4 BE)     one piece of a chunk's bytes (64 KiB)
//   "U" upload(32)                upload record: target, expiry
//   "P" upload(32) part(4 BE)     a sealed part: size, MD5, its chunks
//   "S" upload(32) chunk(16)      a chunk staged by an upload, not yet in a file
//   "E" ms(8 BE) upload(32)       uploads by expiry log time
//
// A chunk is named by the position of the entry that staged it. A file's
// bytes are its blocks, except where an extent covers them: extents win
// (the blocks beneath are stale), so a commit adds one extent per chunk
// whatever the offset, and a later small write cuts the extents it covers.
//
// A symbolic link's target is its content (blocks), as a file's bytes are.
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
inline constexpr uint64_t kMaxFileBytes = 1ull << 40;   // 1 TiB
inline constexpr size_t kMaxSymlinkTargetBytes = 4095;  // PATH_MAX, less its NUL
// A copy duplicates the blocks of the source (bytes of small writes) in one
// entry's batch: bounded. Bytes in extents are shared, not copied.
inline constexpr uint64_t kMaxCopyBlockBytes = 256ull << 20;
// The largest data field the state machine will decode. A fixed constant,
// not configuration: replicas with different limits would diverge. The
// configurable, smaller limit is enforced where requests arrive.
inline constexpr uint64_t kMaxEntryDataBytes = 512ull << 20;
// A chunk's bytes are stored in pieces of this size (a read of a few bytes
// of a large file reads one piece, not the whole chunk).
inline constexpr uint32_t kChunkPieceBytes = 64u << 10;
inline constexpr uint64_t kMaxUploadExpiryMs = 366ull * 24 * 3600 * 1000;

enum class NodeType : uint8_t { kFile = 1, kDir = 2, kSymlink = 3 };

// The mode a node shows until a setattr gives it one: 0644 for a file,
// 0755 for a directory, 0777 for a symbolic link.
uint32_t DefaultMode(NodeType t);

struct Inode {
  NodeType type = NodeType::kFile;
  uint64_t size = 0;
  Position version;
  uint64_t mtime_ms = 0;  // the last change of content (or a setattr's mtime)
  // Some of the file's bytes may be in extents ("X" records). Flags are
  // encoded only when one is set, so a store without uploads, metadata or
  // POSIX attributes keeps its exact bytes.
  bool extents = false;
  bool meta = false;  // the file has an "A" record
  // POSIX attributes (entry format 6), stored once a setattr gave the node
  // some (posix). Without them: DefaultMode, no owner, and atime and ctime
  // equal to mtime (what DecodeInode fills in).
  bool posix = false;
  uint32_t mode = 0;
  std::optional<uint32_t> uid, gid;
  uint64_t atime_ms = 0;
  uint64_t ctime_ms = 0;  // the last change of content or attributes
};

// A new node as created at log time mtime_ms: its default mode, no owner,
// every time mtime_ms.
Inode NewInode(NodeType type, Position version, uint64_t mtime_ms);

namespace keys {
std::string Meta(std::string_view name);
std::string Dirent(uint64_t parent, std::string_view name);
std::string DirentPrefix(uint64_t parent);
std::string Inode(uint64_t ino);
std::string Attrs(uint64_t ino);  // a file's metadata ("A")
std::string Block(uint64_t ino, uint64_t index);
std::string BlockPrefix(uint64_t ino);
std::string Idem(std::string_view key);
std::string IdemTime(uint64_t ms, std::string_view key);
std::string ExtentPrefix(uint64_t ino);
std::string Extent(uint64_t ino, uint64_t end);
std::string Chunk(const Position& chunk);
std::string ChunkPiecePrefix(const Position& chunk);
std::string ChunkPiece(const Position& chunk, uint32_t piece);
std::string Upload(std::string_view upload);
std::string PartPrefix(std::string_view upload);
std::string Part(std::string_view upload, uint32_t part);
std::string UploadChunkPrefix(std::string_view upload);
std::string UploadChunk(std::string_view upload, const Position& chunk);
std::string UploadExpiry(uint64_t ms, std::string_view upload);
// The change events (sm/change_event.h): one per op that changed a path,
// ordered by position, then by the op's index.
std::string Event(const Position& pos, uint32_t index);
inline constexpr std::string_view kEventPrefix = "V";
inline constexpr std::string_view kUploadPrefix = "U";
inline constexpr std::string_view kUploadExpiryPrefix = "E";
inline constexpr std::string_view kIdemTimePrefix = "T";
inline constexpr std::string_view kApplied = "applied";
inline constexpr std::string_view kDigest = "digest";
inline constexpr std::string_view kFormat = "format";
inline constexpr std::string_view kBlockBytes = "block_bytes";
inline constexpr std::string_view kNextInode = "next_inode";
inline constexpr std::string_view kEntries = "entries";             // entries applied, ever
inline constexpr std::string_view kLogBytes = "log_bytes";          // their bytes, ever
inline constexpr std::string_view kDigestFormat = "digest_format";  // absent: 1
inline constexpr std::string_view kFiles = "files";                 // files in the namespace
inline constexpr std::string_view kBytes = "bytes";                 // sum of the files' sizes
inline constexpr std::string_view kIdemOldest = "idem_oldest";  // log time of the oldest "T" record
inline constexpr std::string_view kStagedBytes = "staged_bytes";  // bytes staged by open uploads
inline constexpr std::string_view kUploads = "uploads";           // open uploads
// At or below the earliest "E" record's time: no upload expires before it.
inline constexpr std::string_view kUploadExpiryFloor = "upload_expiry_floor";
// The position after which the store holds every change event (events of
// entries at or below it may have been pruned: a watch from before it is
// 410). Absent in a store made before events: they start at its applied
// position when this version first opened it.
inline constexpr std::string_view kEventsFrom = "events_from";
}  // namespace keys

std::string EncodeDirent(NodeType type, uint64_t ino);
bool DecodeDirent(std::string_view v, NodeType* type, uint64_t* ino);
std::string EncodeInode(const Inode& n);
std::optional<Inode> DecodeInode(std::string_view v);
std::string EncodeU64(uint64_t v);
std::optional<uint64_t> DecodeU64(std::string_view v);

}  // namespace walfs
