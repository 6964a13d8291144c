#include "schema/fs_view.h"

#include "core/path.h"
#include "schema/upload_records.h"

namespace walfs {

Status CorruptRecord(std::string_view what) {
  return Status(Code::kCorruption, "store record is malformed: " + std::string(what));
}

Result<uint32_t> LoadBlockBytes(const StoreReader& r) {
  auto v = r.Get(keys::Meta(keys::kBlockBytes));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return kDefaultBlockBytes;
  auto n = DecodeU64(**v);
  if (!n || *n == 0 || *n > (1u << 24)) return CorruptRecord("block size");
  return static_cast<uint32_t>(*n);
}

Result<Node> FsView::GetNode(uint64_t ino) const {
  auto v = r_->Get(keys::Inode(ino));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return CorruptRecord("dangling inode " + std::to_string(ino));
  auto n = DecodeInode(**v);
  if (!n) return CorruptRecord("inode " + std::to_string(ino));
  return Node{ino, *n};
}

Result<std::optional<Node>> FsView::Lookup(std::string_view path) const {
  uint64_t ino = kRootInode;
  auto comps = PathComponents(path);
  for (size_t i = 0; i < comps.size(); ++i) {
    auto v = r_->Get(keys::Dirent(ino, comps[i]));
    if (!v.ok()) return v.status();
    if (!v->has_value()) return std::optional<Node>();
    NodeType t;
    if (!DecodeDirent(**v, &t, &ino)) return CorruptRecord("directory entry");
    if (t != NodeType::kDir && i + 1 < comps.size()) {
      return Status(Code::kNotADirectory,
                    "a parent of " + std::string(path) + " is a file, not a directory");
    }
  }
  auto n = GetNode(ino);
  if (!n.ok()) return n.status();
  return std::optional<Node>(*n);
}

Status FsView::Read(const Node& f, uint64_t offset, uint64_t len, std::string* out) const {
  size_t base = out->size();
  out->resize(base + len, '\0');
  if (len == 0) return Status::Ok();
  WALFS_RETURN_IF_ERROR(ReadBlocks(f, offset, len, out->data() + base));
  if (!f.inode.extents) return Status::Ok();
  // Extents win over the blocks beneath them.
  uint64_t end = offset + len;
  auto hit = ExtentsOverlapping(*r_, f.ino, offset, end);
  if (!hit.ok()) return hit.status();
  for (const Extent& e : *hit) {
    uint64_t lo = std::max(e.start, offset), hi = std::min(e.end(), end);
    WALFS_RETURN_IF_ERROR(
        ReadChunk(e.chunk, e.offset + (lo - e.start), hi - lo, out->data() + base + (lo - offset)));
  }
  return Status::Ok();
}

Result<std::vector<Extent>> ExtentsOverlapping(const StoreReader& r, uint64_t ino, uint64_t from,
                                               uint64_t to) {
  std::string prefix = keys::ExtentPrefix(ino);
  std::vector<Extent> hit;
  Status st = Status::Ok();
  // Keyed by end: the first extent ending after `from` is the first that
  // can overlap [from, to).
  WALFS_RETURN_IF_ERROR(
      r.Scan(prefix, keys::Extent(ino, from + 1), [&](std::string_view k, std::string_view v) {
        auto e = DecodeExtent(k.substr(prefix.size()), v);
        if (!e) {
          st = CorruptRecord("extent");
          return false;
        }
        if (e->start >= to) return false;
        hit.push_back(*e);
        return true;
      }));
  WALFS_RETURN_IF_ERROR(st);
  return hit;
}

Status FsView::ReadChunk(const Position& chunk, uint64_t offset, uint64_t len, char* out) const {
  uint64_t end = offset + len;
  uint64_t first = offset / kChunkPieceBytes, last = (end - 1) / kChunkPieceBytes;
  std::string prefix = keys::ChunkPiecePrefix(chunk);
  uint64_t next = first;
  Status st = Status::Ok();
  WALFS_RETURN_IF_ERROR(r_->Scan(
      prefix, keys::ChunkPiece(chunk, static_cast<uint32_t>(first)),
      [&](std::string_view k, std::string_view v) {
        if (k.size() != prefix.size() + 4) {
          st = CorruptRecord("chunk piece key");
          return false;
        }
        uint64_t piece = 0;
        for (size_t i = prefix.size(); i < k.size(); ++i) piece = (piece << 8) | uint8_t(k[i]);
        if (piece > last) return false;
        uint64_t pstart = piece * kChunkPieceBytes;
        if (piece != next || pstart + v.size() < std::min(end, pstart + kChunkPieceBytes)) {
          st = CorruptRecord("a chunk piece is missing or short");
          return false;
        }
        uint64_t lo = std::max(pstart, offset), hi = std::min<uint64_t>(pstart + v.size(), end);
        std::copy_n(v.data() + (lo - pstart), hi - lo, out + (lo - offset));
        ++next;
        return true;
      }));
  WALFS_RETURN_IF_ERROR(st);
  if (next != last + 1) return CorruptRecord("a chunk piece is missing");
  return Status::Ok();
}

Status FsView::ReadBlocks(const Node& f, uint64_t offset, uint64_t len, char* out) const {
  uint64_t end = offset + len;
  uint64_t bs = block_bytes_;
  uint64_t first = offset / bs;
  uint64_t last = (end - 1) / bs;
  if (first == last) {
    // One block: a point read is much cheaper than an iterator.
    auto v = r_->Get(keys::Block(f.ino, first));
    if (!v.ok()) return v.status();
    if (v->has_value()) {
      uint64_t bstart = first * bs;
      uint64_t hi = std::min<uint64_t>(bstart + (*v)->size(), end);
      if (hi > offset) std::copy_n((*v)->data() + (offset - bstart), hi - offset, out);
    }
    return Status::Ok();
  }
  std::string from = keys::Block(f.ino, first);
  std::string prefix = keys::BlockPrefix(f.ino);
  Status st = Status::Ok();
  Status scan = r_->Scan(prefix, from, [&](std::string_view k, std::string_view v) {
    if (k.size() != prefix.size() + 8) {
      st = CorruptRecord("block key");
      return false;
    }
    uint64_t idx = 0;
    for (size_t i = prefix.size(); i < k.size(); ++i) idx = (idx << 8) | uint8_t(k[i]);
    if (idx > last) return false;
    uint64_t bstart = idx * bs;
    uint64_t lo = std::max(bstart, offset);
    uint64_t hi = std::min<uint64_t>(bstart + v.size(), end);
    if (hi > lo) std::copy_n(v.data() + (lo - bstart), hi - lo, out + (lo - offset));
    return true;
  });
  WALFS_RETURN_IF_ERROR(scan);
  return st;
}

Status FsView::List(uint64_t dir, std::string_view after, size_t limit, std::vector<DirEntry>* out,
                    bool* more) const {
  std::string prefix = keys::DirentPrefix(dir);
  std::string from = prefix + std::string(after);
  if (!after.empty()) from.push_back('\0');  // strictly after
  Status st = Status::Ok();
  *more = false;
  Status scan = r_->Scan(prefix, from, [&](std::string_view k, std::string_view v) {
    if (out->size() >= limit) {
      *more = true;
      return false;
    }
    NodeType t;
    uint64_t ino;
    if (!DecodeDirent(v, &t, &ino)) {
      st = CorruptRecord("directory entry");
      return false;
    }
    auto n = GetNode(ino);
    if (!n.ok()) {
      st = n.status();
      return false;
    }
    out->push_back(DirEntry{std::string(k.substr(prefix.size())), *n});
    return true;
  });
  WALFS_RETURN_IF_ERROR(scan);
  return st;
}

Result<FileMeta> FsView::LoadMeta(const Node& f) const {
  if (!f.inode.meta) return FileMeta{};
  auto v = r_->Get(keys::Attrs(f.ino));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return CorruptRecord("file metadata");
  auto m = DecodeFileMeta(**v);
  if (!m) return CorruptRecord("file metadata");
  return *m;
}

Result<bool> FsView::HasChildren(uint64_t dir) const {
  bool any = false;
  std::string prefix = keys::DirentPrefix(dir);
  Status st = r_->Scan(prefix, prefix, [&](std::string_view, std::string_view) {
    any = true;
    return false;
  });
  if (!st.ok()) return st;
  return any;
}

Status FsView::EmitSubtree(const DirEntry& e, size_t limit, std::vector<DirEntry>* out, bool* more,
                           bool include_self) const {
  if (include_self) {
    if (out->size() >= limit) {
      *more = true;
      return Status::Ok();
    }
    out->push_back(e);
  }
  if (!e.node.is_dir()) return Status::Ok();
  return Walk(e.node.ino, e.name + "/", {}, 0, limit, out, more);
}

Status FsView::Walk(uint64_t dir, const std::string& base,
                    const std::vector<std::string_view>& resume, size_t depth, size_t limit,
                    std::vector<DirEntry>* out, bool* more) const {
  std::string after;
  if (depth < resume.size()) {
    // Resuming inside or at resume[depth]: finish that child first.
    after = std::string(resume[depth]);
    auto v = r_->Get(keys::Dirent(dir, after));
    if (!v.ok()) return v.status();
    if (v->has_value()) {
      NodeType t;
      uint64_t ino;
      if (!DecodeDirent(**v, &t, &ino)) return CorruptRecord("directory entry");
      if (t == NodeType::kDir) {
        if (depth + 1 == resume.size()) {
          WALFS_RETURN_IF_ERROR(Walk(ino, base + after + "/", {}, 0, limit, out, more));
        } else {
          WALFS_RETURN_IF_ERROR(Walk(ino, base + after + "/", resume, depth + 1, limit, out, more));
        }
      }
    }
  }
  while (!*more) {
    std::vector<DirEntry> page;
    bool page_more = false;
    WALFS_RETURN_IF_ERROR(List(dir, after, 256, &page, &page_more));
    for (auto& e : page) {
      after = e.name;
      e.name = base + e.name;
      WALFS_RETURN_IF_ERROR(EmitSubtree(e, limit, out, more, true));
      if (*more) return Status::Ok();
    }
    if (!page_more) break;
  }
  return Status::Ok();
}

Status FsView::ListRecursive(uint64_t dir, std::string_view after, size_t limit,
                             std::vector<DirEntry>* out, bool* more) const {
  *more = false;
  // PathComponents returns views into its argument: keep it alive.
  std::string stable = "/" + std::string(after);
  std::vector<std::string_view> resume = PathComponents(stable);
  return Walk(dir, "", resume, 0, limit, out, more);
}

}  // namespace walfs
