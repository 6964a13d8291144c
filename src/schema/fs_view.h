// FsView: the namespace read through a StoreReader.
//
// Used by the state machine (over an Overlay) and by the read path (over a
// store snapshot), so that both see the namespace the same way.
// Thread-safety: const methods; safe as far as the reader is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/schema.h"
#include "schema/store_view.h"
#include "schema/upload_records.h"

namespace walfs {

struct Node {
  uint64_t ino = 0;
  Inode inode;
  bool is_dir() const { return inode.type == NodeType::kDir; }
  bool is_symlink() const { return inode.type == NodeType::kSymlink; }
};

struct DirEntry {
  std::string name;  // a name, or a relative path in a recursive listing
  Node node;
};

class FsView {
 public:
  // REQUIRES: reader outlives the view.
  FsView(const StoreReader* reader, uint32_t block_bytes) : r_(reader), block_bytes_(block_bytes) {}

  // The node at a canonical path; nullopt if absent; kNotADirectory if a
  // component before the last is a file.
  Result<std::optional<Node>> Lookup(std::string_view path) const;
  Result<Node> GetNode(uint64_t ino) const;
  // Appends bytes [offset, offset + len) of file f to out: from its extents
  // where it has them, else from its blocks; bytes in neither read as
  // zeros. REQUIRES: offset + len <= f's size.
  Status Read(const Node& f, uint64_t offset, uint64_t len, std::string* out) const;
  // Children of dir in name order, names > after, at most limit; *more says
  // whether more follow.
  Status List(uint64_t dir, std::string_view after, size_t limit, std::vector<DirEntry>* out,
              bool* more) const;
  // The whole subtree in depth-first, name-ordered sequence, with paths
  // relative to dir; resumes after the relative path `after`.
  Status ListRecursive(uint64_t dir, std::string_view after, size_t limit,
                       std::vector<DirEntry>* out, bool* more) const;
  Result<bool> HasChildren(uint64_t dir) const;
  // The file's metadata (empty if it has none).
  Result<FileMeta> LoadMeta(const Node& f) const;
  // Copies bytes [offset, offset + len) of a chunk to out. REQUIRES: len > 0.
  Status ReadChunk(const Position& chunk, uint64_t offset, uint64_t len, char* out) const;
  uint32_t block_bytes() const { return block_bytes_; }
  const StoreReader* reader() const { return r_; }

 private:
  // Copies the blocks' bytes of [offset, offset + len) to out (len bytes,
  // zeroed by the caller). REQUIRES: len > 0.
  Status ReadBlocks(const Node& f, uint64_t offset, uint64_t len, char* out) const;
  Status Walk(uint64_t dir, const std::string& base, const std::vector<std::string_view>& resume,
              size_t depth, size_t limit, std::vector<DirEntry>* out, bool* more) const;
  Status EmitSubtree(const DirEntry& e, size_t limit, std::vector<DirEntry>* out, bool* more,
                     bool include_self) const;
  const StoreReader* r_;
  uint32_t block_bytes_;
};

// Reads the block size recorded in the store (the default if none yet).
Result<uint32_t> LoadBlockBytes(const StoreReader& r);

Status CorruptRecord(std::string_view what);

// The extents of file ino that overlap bytes [from, to), in order.
Result<std::vector<Extent>> ExtentsOverlapping(const StoreReader& r, uint64_t ino, uint64_t from,
                                               uint64_t to);

}  // namespace walfs
