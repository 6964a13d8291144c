// Entry byte layout, format versions 1 to 6 (docs/entry-format.md has the
// same):
//
//   u8      magic 0x57 ('W')
//   u8      format version (1 to 6)
//   varint  flags (0; reserved, must be 0)
//   bytes   idempotency key (varint length + bytes; empty = none)
//   varint  number of conditions, then each:
//             u8 type (1 version, 2 exists, 3 size, 4 version_in: format 2),
//             bytes path,
//             version: 16 bytes position (ms, seq as big-endian u64)
//             exists:  u8 (0 or 1)
//             size:    varint
//             version_in: varint n (1..100), n positions of 16 bytes
//   varint  number of ops, then each:
//             u8 type (1 put .. 7 mkdir; 8 .. 12 uploads: format 3;
//                  13 copy: format 4; 14 setattr, 15 symlink: format 6),
//             bytes path, then
//             put, append: bytes data
//             write:       varint offset, bytes data
//             truncate:    varint size
//             rename:      bytes to, u8 overwrite (0 or 1)
//             delete:      u8 recursive (0 or 1)
//             mkdir:       nothing
//             upload_create: bytes upload, u8 target (1 put, 2 append,
//                            3 write), varint offset, varint expiry_ms
//             upload_stage:  bytes upload, varint part, bytes data
//             upload_part:   bytes upload, varint part, varint size,
//                            bytes md5, varint n, n 16-byte positions
//             upload_commit: bytes upload, u8 target, varint offset,
//                            varint n, n varint parts, bytes content hash
//             upload_abort:  bytes upload
//             copy:          bytes to, u8 replace_meta (0 or 1), meta
//             setattr:       attributes (codec/attr_change.h)     (format 6)
//             symlink:       bytes target (at most 4096 bytes)    (format 6)
//           and from format 4, after the fields above: put, append,
//           write, upload_create: meta; upload_commit: meta, varint n,
//           n bytes part MD5s (16 bytes each). meta is codec/file_meta.h's encoding.
//   u64 LE  XXH64 (seed 0) of every byte before it
//
// The fingerprint is XXH3-128 of the bytes from the condition count up to
// the checksum; for an entry with a commit that carries a content hash, of
// those bytes re-encoded with that commit's upload id and parts left out.
#include "codec/entry.h"

#include <algorithm>

#include "core/bytes.h"
#include "core/hash.h"
#include "core/path.h"

namespace walfs {
namespace {

constexpr uint8_t kMagic = 0x57;

void EncodeCondition(std::string* out, const Condition& c) {
  out->push_back(static_cast<char>(c.type));
  PutBytes(out, c.path);
  switch (c.type) {
    case CondType::kVersion:
      out->append(c.version.Encode());
      break;
    case CondType::kExists:
      out->push_back(c.exists ? 1 : 0);
      break;
    case CondType::kSize:
      PutVarint(out, c.size);
      break;
    case CondType::kVersionIn:
      PutVarint(out, c.versions.size());
      for (const auto& v : c.versions) out->append(v.Encode());
      break;
  }
}

// The ops that carry a file's metadata (format 4 on).
bool CarriesMeta(OpType t) {
  switch (t) {
    case OpType::kPut:
    case OpType::kAppend:
    case OpType::kWrite:
    case OpType::kUploadCreate:
    case OpType::kUploadCommit:
    case OpType::kCopy:
      return true;
    default:
      return false;
  }
}

void EncodeOp(std::string* out, const Op& op, uint8_t version) {
  out->push_back(static_cast<char>(op.type));
  PutBytes(out, op.path);
  switch (op.type) {
    case OpType::kPut:
    case OpType::kAppend:
      PutBytes(out, op.data);
      break;
    case OpType::kWrite:
      PutVarint(out, op.offset);
      PutBytes(out, op.data);
      break;
    case OpType::kTruncate:
      PutVarint(out, op.size);
      break;
    case OpType::kRename:
      PutBytes(out, op.to);
      out->push_back(op.overwrite ? 1 : 0);
      break;
    case OpType::kDelete:
      out->push_back(op.recursive ? 1 : 0);
      break;
    case OpType::kMkdir:
      break;
    case OpType::kUploadCreate:
      PutBytes(out, op.upload);
      out->push_back(static_cast<char>(op.target));
      PutVarint(out, op.offset);
      PutVarint(out, op.expiry_ms);
      break;
    case OpType::kUploadStage:
      PutBytes(out, op.upload);
      PutVarint(out, op.part);
      PutBytes(out, op.data);
      break;
    case OpType::kUploadPart:
      PutBytes(out, op.upload);
      PutVarint(out, op.part);
      PutVarint(out, op.size);
      PutBytes(out, op.md5);
      PutVarint(out, op.chunks.size());
      for (const auto& c : op.chunks) out->append(c.Encode());
      break;
    case OpType::kUploadCommit:
      PutBytes(out, op.upload);
      out->push_back(static_cast<char>(op.target));
      PutVarint(out, op.offset);
      PutVarint(out, op.parts.size());
      for (uint32_t p : op.parts) PutVarint(out, p);
      PutBytes(out, op.content_hash);
      break;
    case OpType::kUploadAbort:
      PutBytes(out, op.upload);
      break;
    case OpType::kCopy:
      PutBytes(out, op.to);
      out->push_back(op.replace_meta ? 1 : 0);
      break;
    case OpType::kSetAttr:
      EncodeAttrChange(out, op.attrs);
      break;
    case OpType::kSymlink:
      PutBytes(out, op.data);
      break;
  }
  if (version < 4) return;
  if (CarriesMeta(op.type)) EncodeFileMeta(out, op.meta);
  if (op.type == OpType::kUploadCommit) {
    PutVarint(out, op.part_md5s.size());
    for (const auto& m : op.part_md5s) PutBytes(out, m);
  }
}

Status Corrupt(const char* what) {
  return Status(Code::kCorruption, std::string("entry is malformed: ") + what);
}

bool ReadBool(Reader& r, bool* out) {
  uint8_t b = r.U8();
  *out = b == 1;
  return b <= 1;
}

Result<Condition> DecodeCondition(Reader& r, uint8_t version) {
  Condition c;
  uint8_t t = r.U8();
  if (t < 1 || t > (version >= 2 ? 4 : 3)) return Corrupt("unknown condition type");
  c.type = static_cast<CondType>(t);
  c.path = std::string(r.Bytes(kMaxPathBytes));
  switch (c.type) {
    case CondType::kVersion: {
      auto p = Position::Decode(r.Raw(16));
      if (p) c.version = *p;
      break;
    }
    case CondType::kExists:
      if (!ReadBool(r, &c.exists)) return Corrupt("bad boolean");
      break;
    case CondType::kSize:
      c.size = r.Varint();
      break;
    case CondType::kVersionIn: {
      uint64_t n = r.Varint();
      if (!r.ok() || n == 0 || n > kMaxVersionsPerCondition) return Corrupt("bad version list");
      for (uint64_t i = 0; i < n; ++i) {
        auto p = Position::Decode(r.Raw(16));
        if (!p) return Corrupt("truncated condition");
        c.versions.push_back(*p);
      }
      break;
    }
  }
  if (!r.ok()) return Corrupt("truncated condition");
  return c;
}

bool ReadTarget(Reader& r, OpType* out) {
  uint8_t t = r.U8();
  *out = static_cast<OpType>(t);
  return t >= 1 && t <= 3;
}

// A part number fits 32 bits; the state machine checks its range.
uint32_t ReadPart(Reader& r, bool* ok) {
  uint64_t v = r.Varint();
  if (v > UINT32_MAX) *ok = false;
  return static_cast<uint32_t>(v);
}

Result<Op> DecodeOp(Reader& r, uint64_t max_data, uint8_t version) {
  Op op;
  uint8_t t = r.U8();
  uint8_t last = version >= 6 ? 15 : version >= 4 ? 13 : version >= 3 ? 12 : 7;
  if (t < 1 || t > last) return Corrupt("unknown op type");
  op.type = static_cast<OpType>(t);
  op.path = std::string(r.Bytes(kMaxPathBytes));
  switch (op.type) {
    case OpType::kPut:
    case OpType::kAppend:
      op.data = std::string(r.Bytes(max_data));
      break;
    case OpType::kWrite:
      op.offset = r.Varint();
      op.data = std::string(r.Bytes(max_data));
      break;
    case OpType::kTruncate:
      op.size = r.Varint();
      break;
    case OpType::kRename:
      op.to = std::string(r.Bytes(kMaxPathBytes));
      if (!ReadBool(r, &op.overwrite)) return Corrupt("bad boolean");
      break;
    case OpType::kDelete:
      if (!ReadBool(r, &op.recursive)) return Corrupt("bad boolean");
      break;
    case OpType::kMkdir:
      break;
    case OpType::kUploadCreate:
      op.upload = std::string(r.Bytes(kUploadIdBytes));
      if (!ReadTarget(r, &op.target)) return Corrupt("bad upload target");
      op.offset = r.Varint();
      op.expiry_ms = r.Varint();
      break;
    case OpType::kUploadStage: {
      bool ok = true;
      op.upload = std::string(r.Bytes(kUploadIdBytes));
      op.part = ReadPart(r, &ok);
      op.data = std::string(r.Bytes(max_data));
      if (!ok) return Corrupt("bad part number");
      break;
    }
    case OpType::kUploadPart: {
      bool ok = true;
      op.upload = std::string(r.Bytes(kUploadIdBytes));
      op.part = ReadPart(r, &ok);
      op.size = r.Varint();
      op.md5 = std::string(r.Bytes(16));
      uint64_t n = r.Varint();
      if (!ok || !r.ok() || n > kMaxChunksPerPart || n * 16 > r.remaining()) {
        return Corrupt("bad chunk list");
      }
      op.chunks.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        auto p = Position::Decode(r.Raw(16));
        if (!p) return Corrupt("truncated chunk list");
        op.chunks.push_back(*p);
      }
      break;
    }
    case OpType::kUploadCommit: {
      bool ok = true;
      op.upload = std::string(r.Bytes(kUploadIdBytes));
      if (!ReadTarget(r, &op.target)) return Corrupt("bad upload target");
      op.offset = r.Varint();
      uint64_t n = r.Varint();
      if (!r.ok() || n > kMaxPartsPerUpload) return Corrupt("bad part list");
      for (uint64_t i = 0; i < n && ok; ++i) op.parts.push_back(ReadPart(r, &ok));
      op.content_hash = std::string(r.Bytes(16));
      if (!ok) return Corrupt("bad part number");
      break;
    }
    case OpType::kUploadAbort:
      op.upload = std::string(r.Bytes(kUploadIdBytes));
      break;
    case OpType::kCopy:
      op.to = std::string(r.Bytes(kMaxPathBytes));
      if (!ReadBool(r, &op.replace_meta)) return Corrupt("bad boolean");
      break;
    case OpType::kSetAttr:
      if (!DecodeAttrChange(r, &op.attrs)) return Corrupt("bad attributes");
      break;
    case OpType::kSymlink:
      op.data = std::string(r.Bytes(kMaxPathBytes));
      break;
  }
  if (version >= 4 && CarriesMeta(op.type)) op.meta = DecodeFileMeta(r);
  if (version >= 4 && op.type == OpType::kUploadCommit) {
    uint64_t n = r.Varint();
    if (!r.ok() || n > kMaxPartsPerUpload || n > r.remaining()) {
      return Corrupt("bad part MD5 list");
    }
    for (uint64_t i = 0; i < n; ++i) op.part_md5s.emplace_back(r.Bytes(16));
  }
  if (!r.ok()) return Corrupt("truncated op");
  return op;
}

// What the entry asks for, in the layout of format `layout`; a commit with a
// content hash without the upload that carried the bytes.
std::string CanonicalFingerprint(const Entry& e, uint8_t layout) {
  Entry canon = e;
  canon.idempotency_key.clear();
  for (auto& op : canon.ops) {
    if (op.type == OpType::kUploadCommit && !op.content_hash.empty()) {
      op.upload.clear();
      op.parts.clear();
      op.part_md5s.clear();
    }
  }
  std::string bytes;
  PutVarint(&bytes, canon.conditions.size());
  for (const auto& c : canon.conditions) EncodeCondition(&bytes, c);
  PutVarint(&bytes, canon.ops.size());
  for (const auto& op : canon.ops) EncodeOp(&bytes, op, layout);
  return Hash128(bytes);
}

}  // namespace

Op Op::Put(std::string path, std::string data) {
  Op op;
  op.type = OpType::kPut;
  op.path = std::move(path);
  op.data = std::move(data);
  return op;
}
Op Op::Append(std::string path, std::string data) {
  Op op = Put(std::move(path), std::move(data));
  op.type = OpType::kAppend;
  return op;
}
Op Op::Write(std::string path, uint64_t offset, std::string data) {
  Op op = Put(std::move(path), std::move(data));
  op.type = OpType::kWrite;
  op.offset = offset;
  return op;
}
Op Op::UploadCreate(std::string path, std::string upload, OpType target, uint64_t offset,
                    uint64_t expiry_ms) {
  Op op;
  op.type = OpType::kUploadCreate;
  op.path = std::move(path);
  op.upload = std::move(upload);
  op.target = target;
  op.offset = offset;
  op.expiry_ms = expiry_ms;
  return op;
}
Op Op::UploadStage(std::string upload, uint32_t part, std::string data) {
  Op op;
  op.type = OpType::kUploadStage;
  op.upload = std::move(upload);
  op.part = part;
  op.data = std::move(data);
  return op;
}
Op Op::UploadPart(std::string upload, uint32_t part, uint64_t size, std::string md5,
                  std::vector<Position> chunks) {
  Op op;
  op.type = OpType::kUploadPart;
  op.upload = std::move(upload);
  op.part = part;
  op.size = size;
  op.md5 = std::move(md5);
  op.chunks = std::move(chunks);
  return op;
}
Op Op::UploadCommit(std::string upload, std::vector<uint32_t> parts) {
  Op op;
  op.type = OpType::kUploadCommit;
  op.upload = std::move(upload);
  op.parts = std::move(parts);
  return op;
}
Op Op::UploadAbort(std::string upload) {
  Op op;
  op.type = OpType::kUploadAbort;
  op.upload = std::move(upload);
  return op;
}
Op Op::Truncate(std::string path, uint64_t size) {
  Op op;
  op.type = OpType::kTruncate;
  op.path = std::move(path);
  op.size = size;
  return op;
}
Op Op::Rename(std::string path, std::string to, bool overwrite) {
  Op op;
  op.type = OpType::kRename;
  op.path = std::move(path);
  op.to = std::move(to);
  op.overwrite = overwrite;
  return op;
}
Op Op::Delete(std::string path, bool recursive) {
  Op op;
  op.type = OpType::kDelete;
  op.path = std::move(path);
  op.recursive = recursive;
  return op;
}
Op Op::Copy(std::string path, std::string to, bool replace_meta, FileMeta meta) {
  Op op;
  op.type = OpType::kCopy;
  op.path = std::move(path);
  op.to = std::move(to);
  op.replace_meta = replace_meta;
  op.meta = std::move(meta);
  return op;
}
Op Op::SetAttr(std::string path, AttrChange attrs) {
  Op op;
  op.type = OpType::kSetAttr;
  op.path = std::move(path);
  op.attrs = attrs;
  return op;
}
Op Op::Symlink(std::string path, std::string target) {
  Op op;
  op.type = OpType::kSymlink;
  op.path = std::move(path);
  op.data = std::move(target);
  return op;
}
Op Op::Mkdir(std::string path) {
  Op op;
  op.type = OpType::kMkdir;
  op.path = std::move(path);
  return op;
}
Condition Condition::Version(std::string path, Position v) {
  Condition c;
  c.type = CondType::kVersion;
  c.path = std::move(path);
  c.version = v;
  return c;
}
Condition Condition::Exists(std::string path, bool exists) {
  Condition c;
  c.type = CondType::kExists;
  c.path = std::move(path);
  c.exists = exists;
  return c;
}
Condition Condition::VersionIn(std::string path, std::vector<Position> versions) {
  Condition c;
  c.type = CondType::kVersionIn;
  c.path = std::move(path);
  c.versions = std::move(versions);
  return c;
}
Condition Condition::Size(std::string path, uint64_t size) {
  Condition c;
  c.type = CondType::kSize;
  c.path = std::move(path);
  c.size = size;
  return c;
}

std::string_view OpName(OpType t) {
  switch (t) {
    case OpType::kPut:
      return "put";
    case OpType::kAppend:
      return "append";
    case OpType::kWrite:
      return "write";
    case OpType::kTruncate:
      return "truncate";
    case OpType::kRename:
      return "rename";
    case OpType::kDelete:
      return "delete";
    case OpType::kMkdir:
      return "mkdir";
    case OpType::kUploadCreate:
      return "upload_create";
    case OpType::kUploadStage:
      return "upload_stage";
    case OpType::kUploadPart:
      return "upload_part";
    case OpType::kUploadCommit:
      return "upload_commit";
    case OpType::kUploadAbort:
      return "upload_abort";
    case OpType::kCopy:
      return "copy";
    case OpType::kSetAttr:
      return "setattr";
    case OpType::kSymlink:
      return "symlink";
  }
  return "unknown";
}

uint8_t MinFormatVersion(const Entry& e) {
  uint8_t v = 1;
  for (const auto& c : e.conditions) {
    if (c.type == CondType::kVersionIn) v = std::max<uint8_t>(v, 2);
  }
  for (const auto& op : e.ops) {
    if (op.type == OpType::kSetAttr || op.type == OpType::kSymlink) return 6;
  }
  for (const auto& op : e.ops) {
    if (op.type == OpType::kUploadCommit && !op.meta.headers.empty()) return 5;
  }
  for (const auto& op : e.ops) {
    if (op.type == OpType::kCopy || !op.meta.empty() || op.replace_meta || !op.part_md5s.empty()) {
      v = 4;
    } else if (IsUploadOp(op.type)) {
      v = std::max<uint8_t>(v, 3);
    }
  }
  return v;
}

std::string EncodeEntry(const Entry& e, uint8_t version) {
  // Sized once: an entry of a large write is megabytes, grown by doubling
  // it was copied and faulted in anew at each step.
  size_t hint = 64 + e.idempotency_key.size() + 64 * e.conditions.size();
  for (const auto& op : e.ops) {
    hint += 64 + op.path.size() + op.data.size() + op.to.size() + op.upload.size() + op.md5.size() +
            op.content_hash.size() + 20 * op.chunks.size() + 5 * op.parts.size() +
            16 * op.part_md5s.size() + 8 + op.meta.etag.size();
    for (const auto& [n, v] : op.meta.headers) hint += 4 + n.size() + v.size();
  }
  std::string out;
  out.reserve(hint);
  out.push_back(static_cast<char>(kMagic));
  out.push_back(static_cast<char>(version));
  PutVarint(&out, 0);
  PutBytes(&out, e.idempotency_key);
  PutVarint(&out, e.conditions.size());
  for (const auto& c : e.conditions) EncodeCondition(&out, c);
  PutVarint(&out, e.ops.size());
  for (const auto& op : e.ops) EncodeOp(&out, op, version);
  PutFixed64LE(&out, Checksum64(out));
  return out;
}

Result<DecodedEntry> DecodeEntry(std::string_view bytes, uint64_t max_data_bytes) {
  if (bytes.size() < 2 + 8) return Corrupt("too short");
  if (static_cast<uint8_t>(bytes[0]) != kMagic) return Corrupt("bad magic byte");
  auto body = bytes.substr(0, bytes.size() - 8);
  if (GetFixed64LE(bytes.data() + body.size()) != Checksum64(body)) {
    return Corrupt("checksum mismatch");
  }
  auto version = static_cast<uint8_t>(bytes[1]);
  if (version > kEntryFormatVersion) {
    return Status(Code::kUnsupported, "entry format version " + std::to_string(version) +
                                          " is newer than this binary understands (" +
                                          std::to_string(kEntryFormatVersion) + ")");
  }
  if (version == 0) return Corrupt("format version 0");
  Reader r(body.substr(2));
  if (r.Varint() != 0 || !r.ok()) return Corrupt("unknown flags");
  DecodedEntry d;
  d.version = version;
  d.entry.idempotency_key = std::string(r.Bytes(kMaxIdempotencyKeyBytes));
  if (!r.ok()) return Corrupt("bad idempotency key");
  size_t fp_start = body.size() - r.remaining();
  uint64_t nc = r.Varint();
  if (!r.ok() || nc > kMaxConditionsPerEntry) return Corrupt("too many conditions");
  for (uint64_t i = 0; i < nc; ++i) {
    auto c = DecodeCondition(r, version);
    if (!c.ok()) return c.status();
    d.entry.conditions.push_back(std::move(c).value());
  }
  uint64_t no = r.Varint();
  if (!r.ok() || no > kMaxOpsPerEntry) return Corrupt("too many ops");
  for (uint64_t i = 0; i < no; ++i) {
    auto op = DecodeOp(r, max_data_bytes, version);
    if (!op.ok()) return op.status();
    d.entry.ops.push_back(std::move(op).value());
  }
  if (!r.done()) return Corrupt("trailing bytes");
  bool canonical = std::any_of(d.entry.ops.begin(), d.entry.ops.end(), [](const Op& op) {
    return op.type == OpType::kUploadCommit && !op.content_hash.empty();
  });
  // Formats 1 to 3 lay out the same request in the same bytes; format 4
  // adds fields, so a request that needs none of them counts in the
  // layout of format 3.
  uint8_t layout = version >= 4 && MinFormatVersion(d.entry) < 4 ? 3 : version;
  d.fingerprint = canonical || layout != version ? CanonicalFingerprint(d.entry, layout)
                                                 : Hash128(body.substr(fp_start));
  return d;
}

}  // namespace walfs
