// Entry: one log entry, one transaction: conditions, then ops, applied all or
// nothing by the state machine; plus an optional idempotency key.
//
// The byte layout (format versions 1 and 2) is documented in docs/entry-format.md
// and at the top of entry.cc. Encoding is deterministic. Decoding never
// trusts its input: bad bytes yield kCorruption (checksum, structure) or
// kUnsupported (a newer format version); it never crashes or over-reads.
// Paths inside an entry are stored as the client gave them; the state
// machine validates them at apply time so that a bad path is a recorded
// outcome on every replica (design rule 3).
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/attr_change.h"
#include "codec/file_meta.h"
#include "core/position.h"
#include "core/status.h"

namespace walfs {

// The version EncodeEntry writes. Every version up to it is still decoded.
// Version 2 added the version_in condition and, from the first version-2
// entry a replica applies, the digest chains outcome codes only (sm/digest.h).
// Version 3 added the upload ops (writes of any size: staged chunks made
// visible by one commit).
// Version 4 added per-file metadata (codec/file_meta.h) on put, append,
// write, upload_create and upload_commit (its ETag and the MD5s the parts
// must have), and the copy op.
// Version 5: an upload_commit may add checksums to its upload's headers.
// Version 6 added setattr (mode, owner, group, times) and symlink, the ops
// of the POSIX mount.
inline constexpr uint8_t kEntryFormatVersion = 6;
inline constexpr size_t kMaxVersionsPerCondition = 100;
inline constexpr size_t kMaxOpsPerEntry = 1000;
inline constexpr size_t kMaxConditionsPerEntry = 1000;
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr size_t kUploadIdBytes = 32;           // lower-case hex
inline constexpr size_t kMaxChunksPerPart = 1u << 20;  // chunk positions one part lists
inline constexpr size_t kMaxPartsPerUpload = 10000;

enum class OpType : uint8_t {
  kPut = 1,
  kAppend = 2,
  kWrite = 3,
  kTruncate = 4,
  kRename = 5,
  kDelete = 6,
  kMkdir = 7,
  // Format 3: uploads (sm/uploads.h). A write of any size is an upload:
  // create it, stage its bytes in chunks (one entry each), seal each part
  // with the list of its chunks, then commit the chosen parts as one put,
  // append or write of the target.
  kUploadCreate = 8,
  kUploadStage = 9,
  kUploadPart = 10,
  kUploadCommit = 11,
  kUploadAbort = 12,
  // Format 4: a server-side copy of a file (its content shares the
  // source's chunks; its blocks are copied) with its metadata kept or
  // replaced.
  kCopy = 13,
  // Format 6: a node's POSIX attributes (codec/attr_change.h), and a
  // symbolic link (its target is its content).
  kSetAttr = 14,
  kSymlink = 15,
};
inline bool IsUploadOp(OpType t) { return t >= OpType::kUploadCreate && t <= OpType::kUploadAbort; }

struct Op {
  OpType type = OpType::kPut;
  std::string path;
  std::string data;        // put, append, write
  uint64_t offset = 0;     // write
  uint64_t size = 0;       // truncate
  std::string to;          // rename
  bool overwrite = false;  // rename
  bool recursive = false;  // delete
  // Uploads (format 3).
  std::string upload;            // the upload's id: kUploadIdBytes of lower-case hex
  OpType target = OpType::kPut;  // create, commit: put, append or write (offset)
  uint64_t expiry_ms = 0;        // create: log time without activity before it expires
  uint32_t part = 0;             // stage, part: 1..kMaxPartsPerUpload
  std::string md5;               // part: 16 bytes, the part's MD5
  std::vector<Position> chunks;  // part: the stage entries holding its bytes, in order
  std::vector<uint32_t> parts;   // commit: the parts, in order (empty: all)
  std::string content_hash;      // commit: hash of the bytes (a streamed write), or empty
  // Format 4. put: the file's metadata after it (empty: none); append,
  // write: its headers if the op creates the file (no etag); upload_create:
  // the headers its commit gives the target; upload_commit: only the etag
  // (a put's); copy: the headers that replace the source's, if replace_meta.
  FileMeta meta;
  bool replace_meta = false;           // copy
  std::vector<std::string> part_md5s;  // commit: if any, the chosen parts' MD5s, in order
  AttrChange attrs;                    // setattr (format 6); symlink: the target is `data`
  bool operator==(const Op&) const = default;

  static Op Put(std::string path, std::string data);
  static Op Append(std::string path, std::string data);
  static Op Write(std::string path, uint64_t offset, std::string data);
  static Op Truncate(std::string path, uint64_t size);
  static Op Rename(std::string path, std::string to, bool overwrite);
  static Op Delete(std::string path, bool recursive);
  static Op Mkdir(std::string path);
  // Copies the file at path to `to` (format 4).
  static Op Copy(std::string path, std::string to, bool replace_meta, FileMeta meta);
  // Sets the POSIX attributes of the node at path (format 6).
  static Op SetAttr(std::string path, AttrChange attrs);
  // Makes a symbolic link at path to target (format 6).
  static Op Symlink(std::string path, std::string target);
  // Upload ops. path: the target (create; commit: optional, checked if given).
  static Op UploadCreate(std::string path, std::string upload, OpType target, uint64_t offset,
                         uint64_t expiry_ms);
  static Op UploadStage(std::string upload, uint32_t part, std::string data);
  static Op UploadPart(std::string upload, uint32_t part, uint64_t size, std::string md5,
                       std::vector<Position> chunks);
  static Op UploadCommit(std::string upload, std::vector<uint32_t> parts);
  static Op UploadAbort(std::string upload);
};

// kVersionIn (format 2): the target's version must be one of `versions`
// (If-Match with several ETags).
enum class CondType : uint8_t { kVersion = 1, kExists = 2, kSize = 3, kVersionIn = 4 };

struct Condition {
  CondType type = CondType::kExists;
  std::string path;
  Position version;                // kVersion
  bool exists = false;             // kExists
  uint64_t size = 0;               // kSize
  std::vector<Position> versions;  // kVersionIn
  bool operator==(const Condition&) const = default;

  static Condition Version(std::string path, Position v);
  static Condition Exists(std::string path, bool exists);
  static Condition Size(std::string path, uint64_t size);
  static Condition VersionIn(std::string path, std::vector<Position> versions);
};

struct Entry {
  std::string idempotency_key;  // empty: none
  std::vector<Condition> conditions;
  std::vector<Op> ops;
  bool operator==(const Entry&) const = default;
};

// REQUIRES: version is 1..kEntryFormatVersion and e uses nothing newer
// (older versions are written only by tests of the upgrade path).
std::string EncodeEntry(const Entry& e, uint8_t version = kEntryFormatVersion);

struct DecodedEntry {
  Entry entry;
  uint8_t version = kEntryFormatVersion;  // the format the bytes were in
  // Hash of what the entry asks for (conditions and ops, not the key): two
  // requests with the same key but different fingerprints are a reused key.
  // A commit with a content hash (a streamed write) counts by its target
  // and that hash, not by its upload id and parts: a client that sends the
  // same body again with its key is a retry, whatever chunks carried it.
  // It does not depend on the format the bytes were in: a request retried
  // through a proposer of a newer format (a rolling upgrade) is the same
  // request.
  std::string fingerprint;
};

// The oldest format that can hold e (1 to kEntryFormatVersion).
uint8_t MinFormatVersion(const Entry& e);

// max_data_bytes bounds any one data field (callers pass the entry limit).
Result<DecodedEntry> DecodeEntry(std::string_view bytes, uint64_t max_data_bytes);

std::string_view OpName(OpType t);

}  // namespace walfs
