// TxApplier: one entry's conditions and ops applied to its own overlay.
// Layout of what it writes: schema/schema.h.
#include "sm/tx_applier.h"

#include <limits>

#include "core/bytes.h"
#include "core/path.h"
#include "schema/fs_view.h"
#include "schema/schema.h"
#include "sm/change_event.h"
#include "sm/chunks.h"
#include "sm/extents.h"
#include "sm/meta_counter.h"
#include "sm/outcome_code.h"
#include "sm/uploads.h"

namespace walfs {
namespace {

Status Fail(Code c, std::string msg) { return Status(c, std::move(msg)); }

// Applies the conditions and ops of one entry to its own overlay.
class TxApplier {
 public:
  TxApplier(Overlay* tx, uint32_t bs, Position pos, uint64_t now_ms, uint8_t format)
      : tx_(tx), view_(tx, bs), bs_(bs), pos_(pos), now_ms_(now_ms), format_(format) {}

  Status CheckCondition(const Condition& c);
  Result<OpResult> ApplyOp(const Op& op);
  // The change event of op, just applied with result r (none for ops that
  // change no path).
  std::optional<ChangeEvent> EventFor(const Op& op, const OpResult& r);
  // Adds this transaction's change in file count and bytes to the totals.
  Status CommitUsage();

 private:
  Result<std::string> Canonical(std::string_view raw);
  // What the last upload commit applied: its op and its bytes.
  OpType commit_target_ = OpType::kPut;
  uint64_t commit_bytes_ = 0;
  Result<std::optional<Node>> Lookup(std::string_view path) { return view_.Lookup(path); }
  Result<uint64_t> EnsureParents(std::string_view path);
  Result<uint64_t> AllocInode();
  Status Touch(uint64_t dir);
  void PutNode(const Node& n) { tx_->Put(keys::Inode(n.ino), EncodeInode(n.inode)); }
  // A new file (or symbolic link) at path, with the parents it lacks.
  Result<Node> CreateFile(std::string_view path, NodeType type = NodeType::kFile);
  // The file at path, created if absent (*created says so); a directory
  // there is kIsADirectory. A symbolic link there is replaced by a new
  // file for a whole write, and is kBadRequest for a write of a part.
  Result<Node> OpenForWrite(const std::string& path, bool* created, bool whole);
  // Marks f as changed by this entry and stores its inode.
  void Stamp(Node* f) {
    f->inode.version = pos_;
    f->inode.mtime_ms = f->inode.ctime_ms = now_ms_;
    PutNode(*f);
  }
  Status WriteRange(Node* f, uint64_t offset, std::string_view data);
  Status Truncate(Node* f, uint64_t size);
  Status DeleteBlocks(uint64_t ino, uint64_t from_index);
  // Drops the file's content (blocks and extents), for a put or a delete.
  Status DropContent(Node* f);
  Status DeleteTree(uint64_t parent, std::string_view name, const Node& n);
  // Sets f's metadata record (removes it if m is empty); the caller stores
  // f's inode (Stamp).
  void SetMeta(Node* f, const FileMeta& m);
  // A change of part of f's content: its S3 ETag (an MD5 of a whole write)
  // and checksums no longer hold; its other headers stay.
  Status DropEtag(Node* f);
  // Copies src's content (blocks and extents) to the empty file dst.
  Status CopyContent(const Node& src, Node* dst);

  Result<OpResult> Put(const std::string& path, const Op& op);
  Result<OpResult> AppendOrWrite(const std::string& path, const Op& op);
  Result<OpResult> DoTruncate(const std::string& path, const Op& op);
  Result<OpResult> Mkdir(const std::string& path);
  Result<OpResult> Delete(const std::string& path, const Op& op);
  Result<OpResult> Rename(const std::string& path, const Op& op);
  Result<OpResult> CommitUpload(const Op& op);
  Result<OpResult> Copy(const std::string& path, const Op& op);
  Result<OpResult> SetAttr(const std::string& path, const Op& op);
  Result<OpResult> Symlink(const std::string& path, const Op& op);

  OpResult ResultFor(const std::string& path, const Node& n) {
    return OpResult{path, n.inode.version, n.is_dir() ? 0 : n.inode.size, std::nullopt, false};
  }

  Overlay* tx_;
  FsView view_;
  uint32_t bs_;
  Position pos_;
  uint64_t now_ms_;  // the entry's log time
  uint8_t format_;   // of the entry
  int64_t files_delta_ = 0;
  int64_t bytes_delta_ = 0;
};

Status TxApplier::CommitUsage() {
  WALFS_RETURN_IF_ERROR(AddToMetaCounter(tx_, keys::kFiles, files_delta_));
  return AddToMetaCounter(tx_, keys::kBytes, bytes_delta_);
}

Result<std::string> TxApplier::Canonical(std::string_view raw) { return NormalizePath(raw); }

Status TxApplier::CheckCondition(const Condition& c) {
  auto path = Canonical(c.path);
  if (!path.ok()) return path.status();
  auto n = Lookup(*path);
  if (!n.ok()) {
    if (n.status().code() == Code::kNotADirectory) return Fail(Code::kPreconditionFailed, "");
    return n.status();
  }
  bool exists = n->has_value();
  switch (c.type) {
    case CondType::kExists:
      if (exists != c.exists) {
        return Fail(Code::kPreconditionFailed, *path + (exists ? " exists" : " does not exist"));
      }
      return Status::Ok();
    case CondType::kVersion:
      if (!exists || (*n)->inode.version != c.version) {
        return Fail(Code::kPreconditionFailed,
                    exists ? *path + " is at version " + (*n)->inode.version.ToString()
                           : *path + " does not exist");
      }
      return Status::Ok();
    case CondType::kVersionIn: {
      bool listed = exists && std::find(c.versions.begin(), c.versions.end(),
                                        (*n)->inode.version) != c.versions.end();
      if (!listed) {
        return Fail(
            Code::kPreconditionFailed,
            exists ? *path + " is at version " + (*n)->inode.version.ToString() + ", not one listed"
                   : *path + " does not exist");
      }
      return Status::Ok();
    }
    case CondType::kSize: {
      if (exists && (*n)->is_dir())
        return Fail(Code::kPreconditionFailed, *path + " is a directory");
      uint64_t size = exists ? (*n)->inode.size : 0;
      if (size != c.size) {
        return Fail(Code::kPreconditionFailed, *path + " has size " + std::to_string(size));
      }
      return Status::Ok();
    }
  }
  return Fail(Code::kBadRequest, "unknown condition");
}

Result<uint64_t> TxApplier::AllocInode() {
  auto v = tx_->Get(keys::Meta(keys::kNextInode));
  if (!v.ok()) return v.status();
  uint64_t next = kRootInode + 1;
  if (v->has_value()) {
    auto n = DecodeU64(**v);
    if (!n) return CorruptRecord("next inode");
    next = *n;
  }
  tx_->Put(keys::Meta(keys::kNextInode), EncodeU64(next + 1));
  return next;
}

Status TxApplier::Touch(uint64_t dir) {
  auto n = view_.GetNode(dir);
  if (!n.ok()) return n.status();
  Node d = *n;
  d.inode.version = pos_;
  d.inode.mtime_ms = d.inode.ctime_ms = now_ms_;
  PutNode(d);
  return Status::Ok();
}

// Creates the missing directories above path; returns the parent's inode.
Result<uint64_t> TxApplier::EnsureParents(std::string_view path) {
  uint64_t ino = kRootInode;
  auto comps = PathComponents(path);
  for (size_t i = 0; i + 1 < comps.size(); ++i) {
    auto v = tx_->Get(keys::Dirent(ino, comps[i]));
    if (!v.ok()) return v.status();
    if (v->has_value()) {
      NodeType t;
      if (!DecodeDirent(**v, &t, &ino)) return CorruptRecord("directory entry");
      if (t != NodeType::kDir) {
        return Fail(Code::kNotADirectory, "a parent of " + std::string(path) + " is a file");
      }
      continue;
    }
    auto child = AllocInode();
    if (!child.ok()) return child.status();
    tx_->Put(keys::Dirent(ino, comps[i]), EncodeDirent(NodeType::kDir, *child));
    PutNode(Node{*child, NewInode(NodeType::kDir, pos_, now_ms_)});
    WALFS_RETURN_IF_ERROR(Touch(ino));
    ino = *child;
  }
  return ino;
}

Result<Node> TxApplier::CreateFile(std::string_view path, NodeType type) {
  auto parent = EnsureParents(path);
  if (!parent.ok()) return parent.status();
  auto ino = AllocInode();
  if (!ino.ok()) return ino.status();
  tx_->Put(keys::Dirent(*parent, BaseName(path)), EncodeDirent(type, *ino));
  WALFS_RETURN_IF_ERROR(Touch(*parent));
  Node n{*ino, NewInode(type, pos_, now_ms_)};
  ++files_delta_;
  return n;
}

Status TxApplier::WriteRange(Node* f, uint64_t offset, std::string_view data) {
  uint64_t end = offset + data.size();
  if (f->inode.extents) WALFS_RETURN_IF_ERROR(CutExtents(tx_, f->ino, offset, end));
  uint64_t idx = offset / bs_;
  size_t done = 0;
  while (done < data.size()) {
    uint64_t bstart = idx * bs_;
    uint64_t lo = std::max(bstart, offset), hi = std::min<uint64_t>(bstart + bs_, end);
    std::string block;
    if (lo > bstart || hi < std::min<uint64_t>(bstart + bs_, std::max(end, f->inode.size))) {
      auto old = tx_->Get(keys::Block(f->ino, idx));
      if (!old.ok()) return old.status();
      if (old->has_value()) block = std::move(**old);
      // Bytes past the file's size in a stored block are stale: never revive them.
      uint64_t valid = f->inode.size > bstart ? f->inode.size - bstart : 0;
      if (block.size() > valid) block.resize(valid);
    }
    if (block.size() < hi - bstart) block.resize(hi - bstart, '\0');
    std::copy_n(data.data() + done, hi - lo, block.data() + (lo - bstart));
    tx_->Put(keys::Block(f->ino, idx), std::move(block));
    done += hi - lo;
    ++idx;
  }
  f->inode.size = std::max(f->inode.size, end);
  return Status::Ok();
}

Status TxApplier::DeleteBlocks(uint64_t ino, uint64_t from_index) {
  std::vector<std::string> doomed;
  std::string prefix = keys::BlockPrefix(ino);
  WALFS_RETURN_IF_ERROR(
      tx_->Scan(prefix, keys::Block(ino, from_index), [&](std::string_view k, std::string_view) {
        doomed.emplace_back(k);
        return true;
      }));
  for (auto& k : doomed) tx_->Delete(std::move(k));
  return Status::Ok();
}

Status TxApplier::DropContent(Node* f) {
  WALFS_RETURN_IF_ERROR(DeleteBlocks(f->ino, 0));
  if (f->inode.extents) WALFS_RETURN_IF_ERROR(CutExtents(tx_, f->ino, 0));
  f->inode.extents = false;
  return Status::Ok();
}

Status TxApplier::Truncate(Node* f, uint64_t size) {
  if (size < f->inode.size) {
    if (f->inode.extents) WALFS_RETURN_IF_ERROR(CutExtents(tx_, f->ino, size));
    uint64_t keep_blocks = (size + bs_ - 1) / bs_;
    WALFS_RETURN_IF_ERROR(DeleteBlocks(f->ino, keep_blocks));
    if (size % bs_ != 0) {
      auto last = tx_->Get(keys::Block(f->ino, size / bs_));
      if (!last.ok()) return last.status();
      if (last->has_value() && (*last)->size() > size % bs_) {
        (*last)->resize(size % bs_);
        tx_->Put(keys::Block(f->ino, size / bs_), std::move(**last));
      }
    }
  }
  f->inode.size = size;
  return Status::Ok();
}

Status TxApplier::DeleteTree(uint64_t parent, std::string_view name, const Node& n) {
  if (n.is_dir()) {
    std::vector<DirEntry> kids;
    bool more = true;
    while (more) {
      kids.clear();
      WALFS_RETURN_IF_ERROR(view_.List(n.ino, "", 256, &kids, &more));
      for (const auto& k : kids) WALFS_RETURN_IF_ERROR(DeleteTree(n.ino, k.name, k.node));
    }
  } else {
    Node f = n;
    WALFS_RETURN_IF_ERROR(DropContent(&f));
    --files_delta_;
    bytes_delta_ -= static_cast<int64_t>(n.inode.size);
  }
  if (n.inode.meta) tx_->Delete(keys::Attrs(n.ino));
  tx_->Delete(keys::Inode(n.ino));
  tx_->Delete(keys::Dirent(parent, name));
  return Status::Ok();
}

void TxApplier::SetMeta(Node* f, const FileMeta& m) {
  if (m.empty()) {
    if (f->inode.meta) tx_->Delete(keys::Attrs(f->ino));
    f->inode.meta = false;
    return;
  }
  tx_->Put(keys::Attrs(f->ino), EncodeFileMeta(m));
  f->inode.meta = true;
}

Status TxApplier::DropEtag(Node* f) {
  if (!f->inode.meta) return Status::Ok();
  auto m = view_.LoadMeta(*f);
  if (!m.ok()) return m.status();
  FileMeta before = *m;
  m->DropContentDigests();
  if (*m == before) return Status::Ok();
  SetMeta(f, *m);
  return Status::Ok();
}

// Metadata an op may carry (format 4): valid, and an ETag only where the
// op writes the whole file.
Status CheckOpMeta(const Op& op, bool etag_allowed) {
  WALFS_RETURN_IF_ERROR(CheckFileMeta(op.meta));
  if (!etag_allowed && !op.meta.etag.empty()) {
    return Fail(Code::kBadRequest, std::string("an ETag is stored by a whole write; a ") +
                                       std::string(OpName(op.type)) + " carries none");
  }
  return Status::Ok();
}

Result<Node> TxApplier::OpenForWrite(const std::string& path, bool* created, bool whole) {
  auto n = Lookup(path);
  if (!n.ok()) return n.status();
  *created = !n->has_value();
  if (*created) return CreateFile(path);
  if ((*n)->is_dir()) return Fail(Code::kIsADirectory, path + " is a directory");
  if ((*n)->is_symlink()) {
    if (!whole) return Fail(Code::kBadRequest, path + " is a symbolic link");
    auto parent = Lookup(ParentPath(path));
    if (!parent.ok()) return parent.status();
    WALFS_RETURN_IF_ERROR(DeleteTree((*parent)->ino, BaseName(path), **n));
    *created = true;
    return CreateFile(path);
  }
  return **n;
}

Result<OpResult> TxApplier::Put(const std::string& path, const Op& op) {
  WALFS_RETURN_IF_ERROR(CheckOpMeta(op, true));
  bool created = false;
  auto opened = OpenForWrite(path, &created, true);
  if (!opened.ok()) return opened.status();
  Node f = *opened;
  if (!created) {
    WALFS_RETURN_IF_ERROR(DropContent(&f));
    bytes_delta_ -= static_cast<int64_t>(f.inode.size);
    f.inode.size = 0;
  }
  WALFS_RETURN_IF_ERROR(WriteRange(&f, 0, op.data));
  bytes_delta_ += static_cast<int64_t>(f.inode.size);
  SetMeta(&f, op.meta);
  Stamp(&f);
  OpResult r = ResultFor(path, f);
  r.created = created;
  return r;
}

Result<OpResult> TxApplier::AppendOrWrite(const std::string& path, const Op& op) {
  WALFS_RETURN_IF_ERROR(CheckOpMeta(op, false));
  bool created = false;
  auto opened = OpenForWrite(path, &created, false);
  if (!opened.ok()) return opened.status();
  Node f = *opened;
  uint64_t offset = op.type == OpType::kAppend ? f.inode.size : op.offset;
  if (offset > kMaxFileBytes || op.data.size() > kMaxFileBytes - offset) {
    return Fail(Code::kTooLarge, "the file would exceed the 1 TiB file size limit");
  }
  uint64_t before = f.inode.size;
  WALFS_RETURN_IF_ERROR(WriteRange(&f, offset, op.data));
  bytes_delta_ += static_cast<int64_t>(f.inode.size - before);
  if (created) {
    SetMeta(&f, op.meta);
  } else {
    WALFS_RETURN_IF_ERROR(DropEtag(&f));
  }
  Stamp(&f);
  OpResult r = ResultFor(path, f);
  r.offset = offset;
  return r;
}

Result<OpResult> TxApplier::DoTruncate(const std::string& path, const Op& op) {
  auto n = Lookup(path);
  if (!n.ok()) return n.status();
  if (!n->has_value()) return Fail(Code::kNotFound, path + " does not exist");
  Node f = **n;
  if (f.is_dir()) return Fail(Code::kIsADirectory, path + " is a directory");
  if (f.is_symlink()) return Fail(Code::kBadRequest, path + " is a symbolic link");
  if (op.size > kMaxFileBytes) return Fail(Code::kTooLarge, "size exceeds the 1 TiB file limit");
  bytes_delta_ += static_cast<int64_t>(op.size) - static_cast<int64_t>(f.inode.size);
  WALFS_RETURN_IF_ERROR(Truncate(&f, op.size));
  WALFS_RETURN_IF_ERROR(DropEtag(&f));
  Stamp(&f);
  return ResultFor(path, f);
}

Result<OpResult> TxApplier::Mkdir(const std::string& path) {
  auto n = Lookup(path);
  if (!n.ok()) return n.status();
  if (n->has_value()) {
    if (!(*n)->is_dir()) return Fail(Code::kAlreadyExists, path + " exists and is a file");
    return ResultFor(path, **n);
  }
  auto parent = EnsureParents(path);
  if (!parent.ok()) return parent.status();
  auto ino = AllocInode();
  if (!ino.ok()) return ino.status();
  tx_->Put(keys::Dirent(*parent, BaseName(path)), EncodeDirent(NodeType::kDir, *ino));
  Node d{*ino, NewInode(NodeType::kDir, pos_, now_ms_)};
  PutNode(d);
  WALFS_RETURN_IF_ERROR(Touch(*parent));
  OpResult r = ResultFor(path, d);
  r.created = true;
  return r;
}

Result<OpResult> TxApplier::Delete(const std::string& path, const Op& op) {
  if (path == "/") return Fail(Code::kBadRequest, "the root directory cannot be deleted");
  auto n = Lookup(path);
  if (!n.ok()) return n.status();
  if (!n->has_value()) return Fail(Code::kNotFound, path + " does not exist");
  if ((*n)->is_dir() && !op.recursive) {
    auto kids = view_.HasChildren((*n)->ino);
    if (!kids.ok()) return kids.status();
    if (*kids) return Fail(Code::kNotEmpty, path + " is a directory that is not empty");
  }
  auto parent = Lookup(ParentPath(path));
  if (!parent.ok()) return parent.status();
  WALFS_RETURN_IF_ERROR(DeleteTree((*parent)->ino, BaseName(path), **n));
  WALFS_RETURN_IF_ERROR(Touch((*parent)->ino));
  return OpResult{path, pos_, 0, std::nullopt, false};
}

Result<OpResult> TxApplier::Rename(const std::string& path, const Op& op) {
  auto to = Canonical(op.to);
  if (!to.ok()) return to.status();
  if (path == "/" || *to == "/") return Fail(Code::kBadRequest, "the root directory cannot move");
  auto src = Lookup(path);
  if (!src.ok()) return src.status();
  if (!src->has_value()) return Fail(Code::kNotFound, path + " does not exist");
  Node s = **src;
  if (*to == path) return ResultFor(path, s);
  if (s.is_dir() && IsSameOrBeneath(*to, path)) {
    return Fail(Code::kBadRequest, "cannot move a directory into its own subtree");
  }
  auto dst = Lookup(*to);
  if (!dst.ok()) return dst.status();
  if (dst->has_value()) {
    if ((*dst)->is_dir() || s.is_dir()) {
      return Fail(Code::kAlreadyExists, *to + " exists; a directory never replaces or is replaced");
    }
    if (!op.overwrite) return Fail(Code::kAlreadyExists, *to + " exists");
  }
  auto src_parent = Lookup(ParentPath(path));
  if (!src_parent.ok()) return src_parent.status();
  tx_->Delete(keys::Dirent((*src_parent)->ino, BaseName(path)));
  WALFS_RETURN_IF_ERROR(Touch((*src_parent)->ino));
  auto dst_parent = EnsureParents(*to);
  if (!dst_parent.ok()) return dst_parent.status();
  if (dst->has_value()) WALFS_RETURN_IF_ERROR(DeleteTree(*dst_parent, BaseName(*to), **dst));
  tx_->Put(keys::Dirent(*dst_parent, BaseName(*to)), EncodeDirent(s.inode.type, s.ino));
  WALFS_RETURN_IF_ERROR(Touch(*dst_parent));
  if (s.inode.posix) {  // a rename changes the node's ctime, as on Linux
    s.inode.ctime_ms = now_ms_;
    PutNode(s);
  }
  auto moved = view_.GetNode(s.ino);
  if (!moved.ok()) return moved.status();
  return ResultFor(*to, *moved);
}

// The upload's op applied to the bytes of its chosen parts: one extent per
// chunk, whatever the offset, so the commit costs the number of chunks, not
// of bytes.
Result<OpResult> TxApplier::CommitUpload(const Op& op) {
  auto plan = PlanCommit(*tx_, pos_, now_ms_, op);
  if (!plan.ok()) return plan.status();
  WALFS_RETURN_IF_ERROR(CheckOpMeta(op, plan->upload.target == OpType::kPut));
  // Before format 5 a commit carries only an ETag; from format 5 also the
  // checksums a put's body brought after it (S3's trailers), which replace
  // the upload's of the same name.
  FileMeta meta{plan->upload.meta.headers, op.meta.etag};
  if (!op.meta.headers.empty()) {
    if (format_ < 5 || plan->upload.target != OpType::kPut) {
      return Fail(Code::kBadRequest,
                  "a commit's headers are its upload's; it carries only an ETag");
    }
    for (const auto& [name, value] : op.meta.headers) {
      if (!name.starts_with(kChecksumPrefix)) {
        return Fail(Code::kBadRequest, "a commit adds only checksums to its upload's headers");
      }
      meta.Set(name, value);
    }
    if (Status st = CheckFileMeta(meta); !st.ok()) return Fail(Code::kBadRequest, st.message());
  }
  const std::string& path = plan->upload.path;
  bool created = false;
  auto opened = OpenForWrite(path, &created, plan->upload.target == OpType::kPut);
  if (!opened.ok()) return opened.status();
  Node f = *opened;
  uint64_t before = f.inode.size;
  if (plan->upload.target == OpType::kPut && !created) {
    WALFS_RETURN_IF_ERROR(DropContent(&f));
    f.inode.size = 0;
  }
  uint64_t offset = plan->upload.target == OpType::kAppend  ? f.inode.size
                    : plan->upload.target == OpType::kWrite ? plan->upload.offset
                                                            : 0;
  if (offset > kMaxFileBytes || plan->bytes > kMaxFileBytes - offset) {
    return Fail(Code::kTooLarge, "the file would exceed the 1 TiB file size limit");
  }
  uint64_t end = offset + plan->bytes;
  if (f.inode.extents) WALFS_RETURN_IF_ERROR(CutExtents(tx_, f.ino, offset, end));
  uint64_t at = offset;
  for (const auto& [chunk, size] : plan->chunks) {
    PutExtent(tx_, f.ino, Extent{at, size, chunk, 0});
    at += size;
  }
  WALFS_RETURN_IF_ERROR(FinishCommit(tx_, op.upload, *plan));
  commit_target_ = plan->upload.target;
  commit_bytes_ = plan->bytes;
  if (plan->bytes > 0) f.inode.extents = true;
  f.inode.size = std::max(f.inode.size, end);
  bytes_delta_ += static_cast<int64_t>(f.inode.size) - static_cast<int64_t>(before);
  if (plan->upload.target == OpType::kPut) {
    SetMeta(&f, meta);
  } else if (created) {
    SetMeta(&f, plan->upload.meta);
  } else {
    WALFS_RETURN_IF_ERROR(DropEtag(&f));
  }
  Stamp(&f);
  OpResult r = ResultFor(path, f);
  if (plan->upload.target == OpType::kPut) {
    r.created = created;
  } else {
    r.offset = offset;
  }
  return r;
}

Status TxApplier::CopyContent(const Node& src, Node* dst) {
  uint64_t block_bytes = 0;
  Status bad = Status::Ok();
  std::string prefix = keys::BlockPrefix(src.ino);
  std::vector<std::pair<std::string, std::string>> blocks;  // read all, then write
  WALFS_RETURN_IF_ERROR(tx_->Scan(prefix, prefix, [&](std::string_view k, std::string_view v) {
    block_bytes += v.size();
    if (block_bytes > kMaxCopyBlockBytes) {
      bad = Fail(Code::kTooLarge,
                 "a copy moves at most " + std::to_string(kMaxCopyBlockBytes >> 20) +
                     " MiB written by small writes (bytes of uploads have no limit)");
      return false;
    }
    blocks.emplace_back(keys::BlockPrefix(dst->ino).append(k.substr(prefix.size())), v);
    return true;
  }));
  WALFS_RETURN_IF_ERROR(bad);
  for (auto& [k, v] : blocks) tx_->Put(std::move(k), std::move(v));
  if (src.inode.extents) {
    auto extents = ExtentsOverlapping(*tx_, src.ino, 0, std::numeric_limits<uint64_t>::max());
    if (!extents.ok()) return extents.status();
    for (const Extent& e : *extents) {
      PutExtent(tx_, dst->ino, e);
      WALFS_RETURN_IF_ERROR(AddChunkRefs(tx_, e.chunk, 1));
    }
  }
  dst->inode.extents = src.inode.extents;
  dst->inode.size = src.inode.size;
  return Status::Ok();
}

// A copy of the file at path to op.to: the destination's content and
// metadata are replaced; the metadata is the source's (replace_meta: the
// op's headers with the source's ETag, as the content is the same).
Result<OpResult> TxApplier::Copy(const std::string& path, const Op& op) {
  WALFS_RETURN_IF_ERROR(CheckOpMeta(op, false));
  auto to = Canonical(op.to);
  if (!to.ok()) return to.status();
  auto src = Lookup(path);
  if (!src.ok()) return src.status();
  if (!src->has_value()) return Fail(Code::kNotFound, path + " does not exist");
  Node s = **src;
  if (s.is_dir()) return Fail(Code::kIsADirectory, path + " is a directory");
  if (s.is_symlink()) return Fail(Code::kBadRequest, path + " is a symbolic link");
  auto meta = view_.LoadMeta(s);
  if (!meta.ok()) return meta.status();
  if (op.replace_meta) {
    // The content's own digests stay: the bytes are the same.
    FileMeta digests = *meta;
    meta->headers = op.meta.headers;
    std::erase_if(digests.headers, [](const auto& h) {
      return h.first.compare(0, kChecksumPrefix.size(), kChecksumPrefix) != 0;
    });
    for (auto& h : digests.headers) {
      if (!meta->Get(h.first)) meta->headers.push_back(std::move(h));
    }
    std::sort(meta->headers.begin(), meta->headers.end());
  }
  bool created = false;
  Node f = s;
  if (*to != path) {
    auto opened = OpenForWrite(*to, &created, true);
    if (!opened.ok()) return opened.status();
    f = *opened;
    if (!created) {
      WALFS_RETURN_IF_ERROR(DropContent(&f));
      bytes_delta_ -= static_cast<int64_t>(f.inode.size);
      f.inode.size = 0;
    }
    WALFS_RETURN_IF_ERROR(CopyContent(s, &f));
    bytes_delta_ += static_cast<int64_t>(f.inode.size);
  }
  SetMeta(&f, *meta);
  Stamp(&f);
  OpResult r = ResultFor(*to, f);
  r.created = created;
  return r;
}

// Sets the POSIX attributes asked for; the node's content and version
// stay, its ctime is now.
Result<OpResult> TxApplier::SetAttr(const std::string& path, const Op& op) {
  WALFS_RETURN_IF_ERROR(CheckAttrChange(op.attrs));
  auto n = Lookup(path);
  if (!n.ok()) return n.status();
  if (!n->has_value()) return Fail(Code::kNotFound, path + " does not exist");
  Node f = **n;
  const AttrChange& a = op.attrs;
  f.inode.posix = true;
  if (a.mode) f.inode.mode = *a.mode;
  if (a.uid) f.inode.uid = *a.uid;
  if (a.gid) f.inode.gid = *a.gid;
  if (a.atime_ms) f.inode.atime_ms = *a.atime_ms;
  if (a.mtime_ms) f.inode.mtime_ms = *a.mtime_ms;
  f.inode.ctime_ms = now_ms_;
  PutNode(f);
  return ResultFor(path, f);
}

// A new symbolic link whose content is its target: 1 to 4095 bytes
// (PATH_MAX with its terminator) of UTF-8 without NUL, never followed by
// walfs.
Result<OpResult> TxApplier::Symlink(const std::string& path, const Op& op) {
  if (op.data.empty() || op.data.size() > kMaxSymlinkTargetBytes ||
      op.data.find('\0') != std::string::npos || !IsValidUtf8(op.data)) {
    return Fail(Code::kBadRequest,
                "a symbolic link's target is 1 to 4095 bytes of UTF-8 without NUL");
  }
  auto n = Lookup(path);
  if (!n.ok()) return n.status();
  if (n->has_value()) return Fail(Code::kAlreadyExists, path + " exists");
  auto made = CreateFile(path, NodeType::kSymlink);
  if (!made.ok()) return made.status();
  Node f = *made;
  WALFS_RETURN_IF_ERROR(WriteRange(&f, 0, op.data));
  bytes_delta_ += static_cast<int64_t>(f.inode.size);
  Stamp(&f);
  OpResult r = ResultFor(path, f);
  r.created = true;
  return r;
}

std::optional<ChangeEvent> TxApplier::EventFor(const Op& op, const OpResult& r) {
  if (IsUploadOp(op.type)) {
    return EventOf(op, r.path, "", r, commit_target_, commit_bytes_, now_ms_);
  }
  // Both were canonical when the op applied.
  auto path = Canonical(op.path);
  auto to = op.type == OpType::kRename || op.type == OpType::kCopy ? Canonical(op.to)
                                                                   : Result<std::string>("");
  if (!path.ok() || !to.ok()) return std::nullopt;
  return EventOf(op, *path, *to, r, commit_target_, commit_bytes_, now_ms_);
}

Result<OpResult> TxApplier::ApplyOp(const Op& op) {
  switch (op.type) {
    case OpType::kUploadCreate:
      return ApplyUploadCreate(tx_, bs_, pos_, now_ms_, op);
    case OpType::kUploadStage:
      return ApplyUploadStage(tx_, pos_, now_ms_, op);
    case OpType::kUploadPart:
      return ApplyUploadPart(tx_, pos_, now_ms_, op);
    case OpType::kUploadCommit:
      return CommitUpload(op);
    case OpType::kUploadAbort:
      return ApplyUploadAbort(tx_, pos_, now_ms_, op);
    default:
      break;
  }
  auto path = Canonical(op.path);
  if (!path.ok()) return path.status();
  switch (op.type) {
    case OpType::kPut:
      return Put(*path, op);
    case OpType::kAppend:
    case OpType::kWrite:
      return AppendOrWrite(*path, op);
    case OpType::kTruncate:
      return DoTruncate(*path, op);
    case OpType::kMkdir:
      return Mkdir(*path);
    case OpType::kDelete:
      return Delete(*path, op);
    case OpType::kRename:
      return Rename(*path, op);
    case OpType::kCopy:
      return Copy(*path, op);
    case OpType::kSetAttr:
      return SetAttr(*path, op);
    case OpType::kSymlink:
      return Symlink(*path, op);
    default:
      break;
  }
  return Fail(Code::kBadRequest, "unknown op");
}

}  // namespace

Result<Outcome> ApplyOps(Overlay* batch, uint32_t bs, Position pos, uint64_t now_ms, const Entry& e,
                         uint8_t format) {
  Overlay tx(batch);
  TxApplier t(&tx, bs, pos, now_ms, format);
  Outcome o;
  o.position = pos;
  for (size_t i = 0; i < e.conditions.size(); ++i) {
    Status st = t.CheckCondition(e.conditions[i]);
    if (st.ok()) continue;
    auto code = OutcomeFromStatus(st.code());
    if (!code) return st;  // a failure of this replica, not of the entry
    o.code = *code;
    o.message =
        st.message().empty() ? "condition " + std::to_string(i) + " is false" : st.message();
    o.failed_condition = static_cast<int64_t>(i);
    return o;
  }
  std::vector<ChangeEvent> events;
  for (size_t i = 0; i < e.ops.size(); ++i) {
    auto r = t.ApplyOp(e.ops[i]);
    if (r.ok()) {
      if (auto ev = t.EventFor(e.ops[i], *r)) {
        ev->index = static_cast<uint32_t>(i);
        ev->in_transaction = e.ops.size() > 1;
        events.push_back(std::move(*ev));
      }
      o.results.push_back(std::move(r).value());
      continue;
    }
    auto code = OutcomeFromStatus(r.status().code());
    if (!code) return r.status();
    o.code = *code;
    o.message = r.status().message();
    o.failed_index = static_cast<int64_t>(i);
    o.results.clear();
    return o;
  }
  WALFS_RETURN_IF_ERROR(t.CommitUsage());
  for (const auto& ev : events) tx.Put(keys::Event(pos, ev.index), EncodeChangeEvent(ev));
  tx.MergeInto(batch);
  return o;
}

}  // namespace walfs
