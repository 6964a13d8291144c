// The records behind writes of any size (keys in schema/schema.h): the
// extents that map a file's bytes to chunks, the chunks themselves, and the
// uploads that stage them.
//
// A chunk is the data of one upload_stage entry, named by that entry's
// position. While its upload is open it belongs to the upload (and, once a
// part is sealed with it, to that part); a commit hands it to the target
// file as one extent, after which `refs` counts the extents that point into
// it (a small write that cuts an extent in two adds one) and the chunk is
// freed when the last goes.
// Thread-safety: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/entry.h"
#include "core/position.h"

namespace walfs {

// Bytes [start, start + length) of a file are bytes [offset, offset +
// length) of chunk. Keyed by the file's inode and the extent's end.
struct Extent {
  uint64_t start = 0;
  uint64_t length = 0;
  Position chunk;
  uint64_t offset = 0;
  uint64_t end() const { return start + length; }
  bool operator==(const Extent&) const = default;
};
std::string EncodeExtent(const Extent& e);  // without end, which is the key's
std::optional<Extent> DecodeExtent(std::string_view key_end, std::string_view v);

struct ChunkRecord {
  uint64_t size = 0;
  std::string upload;   // the open upload it belongs to; empty once in a file
  uint32_t part = 0;    // the part it was staged for
  bool sealed = false;  // listed by a sealed part of its upload
  uint64_t refs = 0;    // extents pointing into it (once in a file)
  bool operator==(const ChunkRecord&) const = default;
};
std::string EncodeChunk(const ChunkRecord& c);
std::optional<ChunkRecord> DecodeChunk(std::string_view v);

struct UploadRecord {
  std::string path;  // canonical
  OpType target = OpType::kPut;
  uint64_t offset = 0;     // write
  uint64_t expiry_ms = 0;  // log time without activity before it expires
  uint64_t created_ms = 0;
  uint64_t expires_ms = 0;  // log time it expires at, unless active before
  uint64_t staged_bytes = 0;
  FileMeta meta;  // the headers its commit gives the target (format 4)
  bool operator==(const UploadRecord&) const = default;
};
std::string EncodeUpload(const UploadRecord& u);
std::optional<UploadRecord> DecodeUpload(std::string_view v);

struct PartRecord {
  uint64_t size = 0;
  std::string md5;  // 16 bytes
  std::vector<Position> chunks;
  bool operator==(const PartRecord&) const = default;
};
std::string EncodePart(const PartRecord& p);
std::optional<PartRecord> DecodePart(std::string_view v);

// Whether s is an upload id: kUploadIdBytes of lower-case hex.
bool ValidUploadId(std::string_view s);

}  // namespace walfs
