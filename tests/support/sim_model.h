// The simulations' reference model and workload.
//
// Model: a plain map of paths to nodes, written from the contract, not from
// the state machine's code; it applies entries in log order and says what
// each one's outcome must be. Workload: a seeded generator of entries of
// every op, condition, transaction and idempotency key (retries included),
// and of uploads: create, stage, seal parts, commit, abort, expire.
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "codec/entry.h"
#include "core/bytes.h"
#include "core/path.h"
#include "core/status.h"
#include "schema/fs_view.h"
#include "schema/schema.h"
#include "schema/upload_records.h"
#include "sm/overlay.h"
#include "sm/state_machine.h"

namespace walfs::testing {

// ---------------------------------------------------------------- the model
// A plain map of paths to nodes, written from the contract, not from the
// state machine's code.
struct MNode {
  bool dir = false;
  std::string data;  // a symbolic link's: its target
  Position version;
  FileMeta meta;
  bool link = false;  // a symbolic link (format 6)
  // POSIX attributes (format 6): shown once a setattr set some.
  bool posix = false;
  uint32_t mode = 0;
  std::optional<uint32_t> uid, gid;
  uint64_t atime_ms = 0, mtime_ms = 0, ctime_ms = 0;
};

// A new node at log time pos.
inline MNode NewMNode(bool dir, Position pos, bool link = false) {
  MNode n;
  n.dir = dir;
  n.link = link;
  n.version = pos;
  n.mode = dir ? 0755 : link ? 0777 : 0644;
  n.atime_ms = n.mtime_ms = n.ctime_ms = pos.ms;
  return n;
}

// POSIX attributes as the dumps show them (none until a setattr).
inline std::string PosixString(bool posix, uint32_t mode, std::optional<uint32_t> uid,
                               std::optional<uint32_t> gid, uint64_t atime, uint64_t mtime,
                               uint64_t ctime) {
  if (!posix) return "";
  auto id = [](std::optional<uint32_t> v) { return v ? std::to_string(*v) : std::string("-"); };
  return "|posix=" + std::to_string(mode) + ":" + id(uid) + ":" + id(gid) + ":" +
         std::to_string(atime) + ":" + std::to_string(mtime) + ":" + std::to_string(ctime);
}

// Metadata as the dumps show it.
inline std::string MetaString(const FileMeta& m) {
  if (m.empty()) return "";
  std::string s = "|";
  for (const auto& [n, v] : m.headers) s += n + "=" + v + ";";
  return s + "etag=" + m.etag;
}
struct MUpload {
  std::string path;
  OpType target = OpType::kPut;
  uint64_t offset = 0;
  uint64_t expiry_ms = 0;
  uint64_t expires_ms = 0;
  struct Chunk {
    uint32_t part = 0;
    std::string data;
    bool sealed = false;
  };
  std::map<Position, Chunk> staged;
  std::map<uint32_t, std::vector<Position>> parts;
  std::map<uint32_t, std::string> md5;  // of each sealed part
  FileMeta meta;                        // headers for the target
};
struct MOutcome {
  Code code = Code::kOk;
  std::vector<uint64_t> offsets;  // per append/write op
};

// How many upload ops a model saw succeed, and uploads it saw expire.
struct UploadCounts {
  uint64_t created = 0, staged = 0, sealed = 0, committed = 0, aborted = 0, expired = 0;
  // And of the format-4 ops: copies, and whole writes that stored an ETag.
  uint64_t copied = 0, etags = 0;
  uint64_t commit_checksums = 0;        // commits that added checksums (format 5)
  uint64_t setattrs = 0, symlinks = 0;  // format 6
};

class Model {
 public:
  Model() { nodes_["/"] = NewMNode(true, Position{}); }

  MOutcome Apply(const Entry& e, Position pos) {
    // An upload whose expiry log time has come is gone before the entry.
    for (auto it = uploads_.begin(); it != uploads_.end();) {
      if (it->second.expires_ms > pos.ms) {
        ++it;
        continue;
      }
      it = uploads_.erase(it);
      ++counts_.expired;
    }
    if (!e.idempotency_key.empty()) {
      // A streamed write (a commit with a content hash) is the same request
      // whatever upload carried its bytes.
      Entry body = e;
      body.idempotency_key.clear();
      for (auto& op : body.ops) {
        if (op.type == OpType::kUploadCommit && !op.content_hash.empty()) {
          op.upload.clear();
          op.parts.clear();
        }
      }
      std::string fp = EncodeEntry(body);
      auto it = idem_.find(e.idempotency_key);
      if (it != idem_.end()) {
        if (it->second.first != fp) return MOutcome{Code::kIdempotencyKeyReused, {}};
        return it->second.second;
      }
      MOutcome o = ApplyTx(e, pos);
      idem_[e.idempotency_key] = {fp, o};
      return o;
    }
    return ApplyTx(e, pos);
  }

  const UploadCounts& upload_counts() const { return counts_; }
  // Open uploads and the bytes they hold, as of log time now_ms.
  std::pair<uint64_t, uint64_t> OpenUploads(uint64_t now_ms) const {
    uint64_t n = 0, bytes = 0;
    for (const auto& [id, u] : uploads_) {
      if (u.expires_ms <= now_ms) continue;
      ++n;
      for (const auto& [pos, c] : u.staged) bytes += c.data.size();
    }
    return {n, bytes};
  }

  Usage Totals() const {
    Usage u;
    for (const auto& [p, n] : nodes_) {
      if (n.dir) continue;
      ++u.files;
      u.bytes += n.data.size();
    }
    return u;
  }

  // path -> "d" or "f:<version>:<data>"
  std::map<std::string, std::string> Dump() const {
    std::map<std::string, std::string> out;
    for (const auto& [p, n] : nodes_) {
      if (p == "/") continue;
      out[p] = std::string(n.dir    ? "d:"
                           : n.link ? "l:"
                                    : "f:") +
               n.version.ToString() + ":" + n.data + MetaString(n.meta) +
               PosixString(n.posix, n.mode, n.uid, n.gid, n.atime_ms, n.mtime_ms, n.ctime_ms);
    }
    return out;
  }

 private:
  enum class Look { kMissing, kFile, kDir, kNotDir };
  Look Lookup(const std::string& p) const {
    auto comps = PathComponents(p);
    std::string cur;
    for (size_t i = 0; i < comps.size(); ++i) {
      cur += "/" + std::string(comps[i]);
      auto it = nodes_.find(cur);
      if (it == nodes_.end()) return Look::kMissing;
      if (!it->second.dir && i + 1 < comps.size()) return Look::kNotDir;
    }
    if (p == "/") return Look::kDir;
    return nodes_.at(p).dir ? Look::kDir : Look::kFile;
  }
  bool HasChildren(const std::string& p) const {
    std::string pre = p == "/" ? "/" : p + "/";
    auto it = nodes_.upper_bound(pre);
    return it != nodes_.end() && it->first.compare(0, pre.size(), pre) == 0;
  }
  // A directory's version is the last entry that created it or added,
  // removed or renamed one of its children (like a POSIX mtime).
  void Touch(const std::string& child, Position pos) {
    Changed(&nodes_[std::string(ParentPath(child))], pos);
  }
  // A change of content: version, mtime and ctime are now (and atime, until
  // a setattr gives the node attributes of its own).
  static void Changed(MNode* n, Position pos) {
    n->version = pos;
    n->mtime_ms = n->ctime_ms = pos.ms;
    if (!n->posix) n->atime_ms = pos.ms;
  }
  void MakeParents(const std::string& p, Position pos) {
    std::string parent(ParentPath(p));
    if (parent == "/" || nodes_.count(parent)) return;
    MakeParents(parent, pos);
    nodes_[parent] = NewMNode(true, pos);
    Touch(parent, pos);
  }
  void RemoveTree(const std::string& p) {
    std::string pre = p + "/";
    for (auto it = nodes_.lower_bound(pre);
         it != nodes_.end() && it->first.compare(0, pre.size(), pre) == 0;) {
      it = nodes_.erase(it);
    }
    nodes_.erase(p);
  }

  Code Cond(const Condition& c) {
    auto p = NormalizePath(c.path);
    if (!p.ok()) return Code::kInvalidPath;
    Look l = Lookup(*p);
    if (l == Look::kNotDir) return Code::kPreconditionFailed;
    bool exists = l == Look::kFile || l == Look::kDir;
    bool ok = false;
    switch (c.type) {
      case CondType::kExists:
        ok = exists == c.exists;
        break;
      case CondType::kVersion:
        ok = exists && VersionOf(*p) == c.version;
        break;
      case CondType::kSize:
        ok = l != Look::kDir && (exists ? nodes_[*p].data.size() : 0) == c.size;
        break;
      case CondType::kVersionIn:
        ok = exists &&
             std::find(c.versions.begin(), c.versions.end(), VersionOf(*p)) != c.versions.end();
        break;
    }
    return ok ? Code::kOk : Code::kPreconditionFailed;
  }
  Position VersionOf(const std::string& p) { return nodes_[p].version; }

  // What a change of part of a file drops: its ETag and checksum headers.
  static void DropDigests(FileMeta* m) {
    m->etag.clear();
    std::vector<std::pair<std::string, std::string>> kept;
    for (const auto& h : m->headers) {
      if (h.first.rfind("x-amz-checksum-", 0) != 0) kept.push_back(h);
    }
    m->headers = kept;
  }

  // Metadata rules (format 4): valid; an ETag only on a whole write.
  static Code MetaCheck(const FileMeta& m, bool etag_allowed) {
    if (!CheckFileMeta(m).ok()) return Code::kBadRequest;
    if (!etag_allowed && !m.etag.empty()) return Code::kBadRequest;
    return Code::kOk;
  }

  // Put, append or write of data at offset (append: at the end). meta: a
  // put's metadata, or the headers an append or write gives a file it
  // creates; a change of part of a file drops its ETag.
  Code WriteFile(const std::string& p, OpType type, uint64_t offset, const std::string& data,
                 Position pos, MOutcome* o, const FileMeta& meta) {
    Look l = Lookup(p);
    if (l == Look::kNotDir) return Code::kNotADirectory;
    if (l == Look::kDir) return Code::kIsADirectory;
    if (l == Look::kFile && nodes_[p].link) {
      // A whole write replaces a symbolic link with a new file; a write of
      // part of one is refused.
      if (type != OpType::kPut) return Code::kBadRequest;
      nodes_.erase(p);
      l = Look::kMissing;
    }
    bool created = l == Look::kMissing;
    if (created) {
      MakeParents(p, pos);
      nodes_[p] = NewMNode(false, pos);
      Touch(p, pos);
    }
    MNode& n = nodes_[p];
    if (type == OpType::kPut || created) {
      n.meta = meta;
    } else {
      DropDigests(&n.meta);
    }
    if (type == OpType::kPut) n.data = data;
    uint64_t off = type == OpType::kAppend ? n.data.size() : offset;
    if (type != OpType::kPut) {
      if (n.data.size() < off + data.size()) n.data.resize(off + data.size(), '\0');
      n.data.replace(off, data.size(), data);
      o->offsets.push_back(off);
    }
    Changed(&n, pos);
    return Code::kOk;
  }

  static bool ValidId(const std::string& id) {
    return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
  }
  static bool ValidPart(uint32_t n) { return n >= 1 && n <= 10000; }
  // A chunk is named by its entry's position: one per entry.
  bool ChunkTaken(Position pos) const {
    for (const auto& [id, u] : uploads_) {
      if (u.staged.count(pos)) return true;
    }
    return false;
  }

  Code UploadOp(const Op& op, Position pos, MOutcome* o) {
    if (op.type == OpType::kUploadCreate) {
      auto pr = NormalizePath(op.path);
      if (!pr.ok()) return Code::kInvalidPath;
      if (!ValidId(op.upload) || op.expiry_ms == 0 || op.expiry_ms > kMaxUploadExpiryMs) {
        return Code::kBadRequest;
      }
      if (Code c = MetaCheck(op.meta, false); c != Code::kOk) return c;
      Look l = Lookup(*pr);
      if (l == Look::kNotDir) return Code::kNotADirectory;
      if (l == Look::kDir) return Code::kIsADirectory;
      if (uploads_.count(op.upload)) return Code::kAlreadyExists;
      MUpload u;
      u.path = *pr;
      u.target = op.target;
      u.offset = op.target == OpType::kWrite ? op.offset : 0;
      u.expiry_ms = op.expiry_ms;
      u.expires_ms = pos.ms + op.expiry_ms;
      u.meta = op.meta;
      uploads_[op.upload] = u;
      return Code::kOk;
    }
    auto it = uploads_.find(op.upload);
    if (it == uploads_.end()) return Code::kNotFound;
    MUpload& u = it->second;
    switch (op.type) {
      case OpType::kUploadStage:
        if (!ValidPart(op.part) || op.data.empty() || ChunkTaken(pos)) return Code::kBadRequest;
        u.staged[pos] = MUpload::Chunk{op.part, op.data, false};
        u.expires_ms = pos.ms + u.expiry_ms;
        return Code::kOk;
      case OpType::kUploadPart: {
        if (!ValidPart(op.part) || op.md5.size() != 16) return Code::kBadRequest;
        uint64_t total = 0;
        std::set<Position> seen;
        for (const auto& c : op.chunks) {
          auto ch = u.staged.find(c);
          if (ch == u.staged.end() || ch->second.part != op.part || ch->second.sealed ||
              !seen.insert(c).second) {
            return Code::kBadRequest;
          }
          total += ch->second.data.size();
        }
        if (total != op.size) return Code::kBadRequest;
        for (const auto& c : u.parts[op.part]) u.staged.erase(c);
        for (const auto& c : op.chunks) u.staged[c].sealed = true;
        u.parts[op.part] = op.chunks;
        u.md5[op.part] = op.md5;
        u.expires_ms = pos.ms + u.expiry_ms;
        return Code::kOk;
      }
      case OpType::kUploadAbort:
        uploads_.erase(it);
        return Code::kOk;
      case OpType::kUploadCommit: {
        if (!op.path.empty()) {
          auto pr = NormalizePath(op.path);
          if (!pr.ok()) return Code::kInvalidPath;
          if (*pr != u.path || op.target != u.target ||
              (op.target == OpType::kWrite && op.offset != u.offset)) {
            return Code::kBadRequest;
          }
        }
        std::vector<uint32_t> chosen = op.parts;
        if (chosen.empty()) {
          for (const auto& [n, chunks] : u.parts) chosen.push_back(n);
        }
        std::set<uint32_t> seen;
        std::string data;
        for (uint32_t n : chosen) {
          if (!ValidPart(n) || !seen.insert(n).second || !u.parts.count(n)) {
            return Code::kBadRequest;
          }
          for (const auto& c : u.parts[n]) data += u.staged[c].data;
        }
        if (!op.part_md5s.empty()) {
          if (op.part_md5s.size() != chosen.size()) return Code::kBadRequest;
          for (size_t i = 0; i < chosen.size(); ++i) {
            if (u.md5[chosen[i]] != op.part_md5s[i]) return Code::kBadRequest;
          }
        }
        if (Code c = MetaCheck(op.meta, u.target == OpType::kPut); c != Code::kOk) return c;
        // Format 5: a put's commit may add checksums (its body's trailers)
        // to the upload's headers, replacing those of the same name.
        FileMeta meta = u.meta;
        if (!op.meta.headers.empty()) {
          if (u.target != OpType::kPut) return Code::kBadRequest;
          std::map<std::string, std::string> h(u.meta.headers.begin(), u.meta.headers.end());
          for (const auto& [n, v] : op.meta.headers) {
            if (n.rfind("x-amz-checksum-", 0) != 0) return Code::kBadRequest;
            h[n] = v;
          }
          meta.headers.assign(h.begin(), h.end());
          if (!CheckFileMeta(meta).ok()) return Code::kBadRequest;
        }
        MUpload done = u;
        uploads_.erase(it);
        if (done.target == OpType::kPut) meta.etag = op.meta.etag;
        return WriteFile(done.path, done.target, done.offset, data, pos, o, meta);
      }
      default:
        return Code::kInternal;
    }
  }

  Code Op1(const Op& op, Position pos, MOutcome* o) {
    if (IsUploadOp(op.type)) return UploadOp(op, pos, o);
    auto pr = NormalizePath(op.path);
    if (!pr.ok()) return Code::kInvalidPath;
    const std::string p = *pr;
    switch (op.type) {
      case OpType::kPut:
      case OpType::kAppend:
      case OpType::kWrite:
        if (Code c = MetaCheck(op.meta, op.type == OpType::kPut); c != Code::kOk) return c;
        return WriteFile(p, op.type, op.offset, op.data, pos, o, op.meta);
      case OpType::kCopy:
        return Copy(p, op, pos);
      case OpType::kTruncate: {
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l == Look::kMissing) return Code::kNotFound;
        if (l == Look::kDir) return Code::kIsADirectory;
        if (nodes_[p].link) return Code::kBadRequest;
        nodes_[p].data.resize(op.size, '\0');
        Changed(&nodes_[p], pos);
        DropDigests(&nodes_[p].meta);
        return Code::kOk;
      }
      case OpType::kMkdir: {
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l == Look::kFile) return Code::kAlreadyExists;
        if (l == Look::kMissing) {
          MakeParents(p, pos);
          nodes_[p] = NewMNode(true, pos);
          Touch(p, pos);
        }
        return Code::kOk;
      }
      case OpType::kSetAttr:
        return SetAttr(p, op, pos);
      case OpType::kSymlink: {
        const std::string& t = op.data;
        if (t.empty() || t.size() > 4095 || t.find('\0') != std::string::npos || !IsValidUtf8(t)) {
          return Code::kBadRequest;
        }
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l != Look::kMissing) return Code::kAlreadyExists;
        MakeParents(p, pos);
        nodes_[p] = NewMNode(false, pos, true);
        nodes_[p].data = t;
        Touch(p, pos);
        return Code::kOk;
      }
      case OpType::kDelete: {
        if (p == "/") return Code::kBadRequest;
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l == Look::kMissing) return Code::kNotFound;
        if (l == Look::kDir && !op.recursive && HasChildren(p)) return Code::kNotEmpty;
        RemoveTree(p);
        Touch(p, pos);
        return Code::kOk;
      }
      case OpType::kRename:
        return Rename(p, op, pos);
      default:
        return Code::kInternal;
    }
  }

  // A copy: the destination gets the source's content and metadata (with
  // replace_meta, the op's headers and the source's ETag).
  Code Copy(const std::string& p, const Op& op, Position pos) {
    if (Code c = MetaCheck(op.meta, false); c != Code::kOk) return c;
    auto tr = NormalizePath(op.to);
    if (!tr.ok()) return Code::kInvalidPath;
    Look s = Lookup(p);
    if (s == Look::kNotDir) return Code::kNotADirectory;
    if (s == Look::kMissing) return Code::kNotFound;
    if (s == Look::kDir) return Code::kIsADirectory;
    if (nodes_[p].link) return Code::kBadRequest;
    MNode src = nodes_[p];
    FileMeta meta = src.meta;
    if (op.replace_meta) {
      // The op's headers, and the source's checksums unless the op has them.
      std::map<std::string, std::string> h(op.meta.headers.begin(), op.meta.headers.end());
      for (const auto& [n, v] : src.meta.headers) {
        if (n.rfind("x-amz-checksum-", 0) == 0 && !h.count(n)) h[n] = v;
      }
      meta.headers.assign(h.begin(), h.end());
    }
    if (*tr != p) {
      Look d = Lookup(*tr);
      if (d == Look::kNotDir) return Code::kNotADirectory;
      if (d == Look::kDir) return Code::kIsADirectory;
      if (d == Look::kFile && nodes_[*tr].link) {  // replaced by a new file
        nodes_.erase(*tr);
        d = Look::kMissing;
      }
      if (d == Look::kMissing) {
        MakeParents(*tr, pos);
        nodes_[*tr] = NewMNode(false, pos);
        Touch(*tr, pos);
      }
      nodes_[*tr].data = src.data;
    }
    nodes_[*tr].meta = meta;
    Changed(&nodes_[*tr], pos);
    return Code::kOk;
  }

  Code Rename(const std::string& p, const Op& op, Position pos) {
    auto tr = NormalizePath(op.to);
    if (!tr.ok()) return Code::kInvalidPath;
    const std::string to = *tr;
    if (p == "/" || to == "/") return Code::kBadRequest;
    Look s = Lookup(p);
    if (s == Look::kNotDir) return Code::kNotADirectory;
    if (s == Look::kMissing) return Code::kNotFound;
    if (to == p) return Code::kOk;
    if (s == Look::kDir && IsSameOrBeneath(to, p)) return Code::kBadRequest;
    Look d = Lookup(to);
    if (d == Look::kNotDir) return Code::kNotADirectory;
    if (d == Look::kDir || (d == Look::kFile && s == Look::kDir)) return Code::kAlreadyExists;
    if (d == Look::kFile && !op.overwrite) return Code::kAlreadyExists;
    std::map<std::string, MNode> moved;
    std::string pre = p + "/";
    for (const auto& [k, v] : nodes_) {
      if (k == p) {
        moved[to] = v;
      } else if (k.compare(0, pre.size(), pre) == 0) {
        moved[to + k.substr(p.size())] = v;
      }
    }
    RemoveTree(p);
    Touch(p, pos);
    if (d == Look::kFile) nodes_.erase(to);
    MakeParents(to, pos);
    for (auto& [k, v] : moved) nodes_[k] = v;
    Touch(to, pos);
    if (nodes_[to].posix) nodes_[to].ctime_ms = pos.ms;  // a rename is a change of the node
    return Code::kOk;
  }

  // Format 6: the attributes asked for (each in its range); ctime is now,
  // content and version stay.
  Code SetAttr(const std::string& p, const Op& op, Position pos) {
    const AttrChange& a = op.attrs;
    if ((a.mode && *a.mode > 07777) || (a.uid && *a.uid == 0xffffffffu) ||
        (a.gid && *a.gid == 0xffffffffu) || (a.atime_ms && *a.atime_ms > kMaxTimeMs) ||
        (a.mtime_ms && *a.mtime_ms > kMaxTimeMs)) {
      return Code::kBadRequest;
    }
    Look l = Lookup(p);
    if (l == Look::kNotDir) return Code::kNotADirectory;
    if (l == Look::kMissing) return Code::kNotFound;
    MNode& n = nodes_[p];
    n.posix = true;
    if (a.mode) n.mode = *a.mode;
    if (a.uid) n.uid = a.uid;
    if (a.gid) n.gid = a.gid;
    if (a.atime_ms) n.atime_ms = *a.atime_ms;
    if (a.mtime_ms) n.mtime_ms = *a.mtime_ms;
    n.ctime_ms = pos.ms;
    return Code::kOk;
  }

  MOutcome ApplyTx(const Entry& e, Position pos) {
    auto saved = nodes_;
    auto saved_uploads = uploads_;
    MOutcome o;
    for (const auto& c : e.conditions) {
      o.code = Cond(c);
      if (o.code != Code::kOk) return MOutcome{o.code, {}};
    }
    UploadCounts counted = counts_;
    for (const auto& op : e.ops) {
      o.code = Op1(op, pos, &o);
      if (o.code != Code::kOk) {
        nodes_ = std::move(saved);
        uploads_ = std::move(saved_uploads);
        counts_ = counted;
        return MOutcome{o.code, {}};
      }
      switch (op.type) {
        case OpType::kUploadCreate:
          ++counts_.created;
          break;
        case OpType::kUploadStage:
          ++counts_.staged;
          break;
        case OpType::kUploadPart:
          ++counts_.sealed;
          break;
        case OpType::kUploadCommit:
          ++counts_.committed;
          counts_.commit_checksums += op.meta.headers.empty() ? 0 : 1;
          break;
        case OpType::kUploadAbort:
          ++counts_.aborted;
          break;
        case OpType::kCopy:
          ++counts_.copied;
          break;
        case OpType::kSetAttr:
          ++counts_.setattrs;
          break;
        case OpType::kSymlink:
          ++counts_.symlinks;
          break;
        case OpType::kPut:
          counts_.etags += op.meta.etag.empty() ? 0 : 1;
          break;
        default:
          break;
      }
    }
    return o;
  }

  std::map<std::string, MNode> nodes_;
  std::map<std::string, MUpload> uploads_;
  UploadCounts counts_;
  std::map<std::string, std::pair<std::string, MOutcome>> idem_;
};

// ----------------------------------------------------------- the workload
class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}

  Entry Next(const Model& m, const std::map<Position, Position>& versions) {
    if (!used_.empty() && Pct(8)) {
      Entry e = used_[Pick(used_.size())];  // a retry: same key, same request
      if (Pct(30)) e.ops = {RandomOp()};    // or the same key for another request
      return e;
    }
    Entry e;
    int n = Pct(20) ? 2 + static_cast<int>(Pick(3)) : 1;
    for (int i = 0; i < n; ++i) e.ops.push_back(RandomOp());
    if (Pct(25)) e.conditions.push_back(RandomCondition(versions));
    if (Pct(15)) {
      e.idempotency_key = "k" + std::to_string(Pick(20));
      used_.push_back(e);
    }
    return e;
  }

  // Told where an entry landed: stage ops name chunks that later part ops
  // list.
  void Landed(const Entry& e, Position pos) {
    for (const auto& op : e.ops) {
      if (op.type == OpType::kUploadStage) {
        staged_[op.upload][op.part].emplace_back(pos, op.data.size());
      }
    }
  }

  bool Pct(int p) { return static_cast<int>(rng_() % 100) < p; }
  uint64_t Pick(uint64_t n) { return rng_() % n; }

 private:
  std::string Path() {
    static const char* kPaths[] = {"/a",   "/b",     "/d",   "/d/a", "/d/b",
                                   "/d/e", "/d/e/a", "/x/y", "/x",   "/d/a/z"};
    if (Pct(2)) return "/d/../a";
    return kPaths[Pick(std::size(kPaths))];
  }
  std::string Data() {
    std::string s(Pick(30), '\0');
    for (auto& c : s) c = static_cast<char>('a' + Pick(26));
    return s;
  }
  std::string UploadId() {
    static const char* kIds[] = {"0123456789abcdef0123456789abcdef",
                                 "fedcba9876543210fedcba9876543210",
                                 "00000000000000000000000000000001"};
    if (Pct(2)) return "not-an-upload-id";
    return kIds[Pick(std::size(kIds))];
  }
  OpType Target() {
    static const OpType kTargets[] = {OpType::kPut, OpType::kAppend, OpType::kWrite};
    return kTargets[Pick(3)];
  }
  uint32_t PartNumber() { return Pct(3) ? 0 : static_cast<uint32_t>(1 + Pick(3)); }
  Op RandomUploadOp() {
    std::string id = UploadId();
    // Mostly the next step of this upload's flow: seal what is staged,
    // commit what is sealed; otherwise any op.
    uint64_t step = Pick(10);
    bool has_staged = false;
    for (const auto& [n, staged] : staged_[id]) has_staged |= !staged.empty();
    if (open_[id]) {
      if (Pct(45)) step = 2;  // stage
      if (has_staged && Pct(50)) step = 5;
      if (!sealed_[id].empty() && Pct(40)) step = 7;
    } else if (Pct(50)) {
      step = 0;  // create
    }
    std::set<uint32_t> sealed = sealed_[id];
    if (step <= 1 || step >= 7) sealed_[id].clear();
    if (step <= 1) open_[id] = true;
    if (step >= 7) open_[id] = false;
    switch (step) {
      case 0:
      case 1: {
        uint64_t expiry = Pct(3) ? 0 : 5 + Pick(200);
        Op create = Op::UploadCreate(Path(), id, Target(), Pick(40), expiry);
        create.meta = RandomMeta(false);
        return create;
      }
      case 2:
      case 3:
      case 4: {
        std::string data = Data();
        if (data.empty() && !Pct(10)) data = "z";
        return Op::UploadStage(id, PartNumber(), data);
      }
      case 5:
      case 6: {
        // Mostly a part that has chunks staged.
        uint32_t part = PartNumber();
        for (const auto& [n, staged] : staged_[id]) {
          if (!staged.empty() && Pct(70)) part = n;
        }
        std::vector<Position> chunks;
        uint64_t size = 0;
        for (const auto& [pos, n] : staged_[id][part]) {
          if (Pct(5)) continue;  // a chunk left out (it stays staged)
          chunks.push_back(pos);
          size += n;
        }
        staged_[id][part].clear();
        sealed_[id].insert(part);
        if (Pct(3)) size += 1;                               // the wrong size
        if (Pct(3)) chunks.push_back(Position{Pick(5), 0});  // not a staged chunk
        return Op::UploadPart(id, part, size, PartMd5(part, Pct(2) ? 15 : 16), chunks);
      }
      case 7:
      case 8: {
        std::vector<uint32_t> parts;
        if (Pct(10)) {
          for (uint64_t i = 0, n = Pick(4); i < n; ++i) parts.push_back(PartNumber());
        } else if (Pct(40)) {  // some of the sealed parts, in any order
          for (uint32_t n : sealed) {
            if (Pct(70)) parts.insert(parts.begin() + static_cast<long>(Pick(parts.size() + 1)), n);
          }
        }
        Op op = Op::UploadCommit(id, parts);
        if (Pct(30)) op.meta.etag = Etag();
        if (Pct(10)) {  // a checksum that came after the body (format 5)
          op.meta.headers.emplace_back(Pct(50) ? "x-amz-checksum-crc32" : "x-amz-checksum-sha256",
                                       Data());
          if (Pct(10)) op.meta.headers.emplace_back("x-amz-meta-a", Data());  // not a checksum
        }
        if (Pct(30)) {  // the MD5s the client was told, mostly right
          for (uint32_t n :
               parts.empty() ? std::vector<uint32_t>(sealed.begin(), sealed.end()) : parts) {
            op.part_md5s.push_back(PartMd5(Pct(5) ? n + 1 : n, 16));
          }
        }
        if (Pct(30)) {  // a streamed write: its target named, its bytes hashed
          op.path = Path();
          op.target = Target();
          op.offset = Pick(40);
          op.content_hash = std::string(16, static_cast<char>('a' + Pick(3)));
        }
        return op;
      }
      default:
        return Op::UploadAbort(id);
    }
  }
  // Mostly valid metadata: a few headers, an ETag where asked (and,
  // rarely, where it is not allowed); sometimes none; rarely invalid.
  FileMeta RandomMeta(bool etag) {
    FileMeta m;
    if (Pct(50)) return m;
    static const char* kNames[] = {"cache-control", "content-type", "x-amz-checksum-crc32",
                                   "x-amz-meta-a", "x-amz-meta-b"};
    for (const char* n : kNames) {
      if (Pct(40)) m.headers.emplace_back(n, Data());
    }
    if (Pct(3)) m.headers.emplace_back("x-amz-meta-a", "again");     // twice, or out of order
    if (Pct(3)) m.headers.insert(m.headers.begin(), {"host", "x"});  // not stored
    if (etag ? Pct(60) : Pct(3)) m.etag = Etag();
    return m;
  }
  std::string Etag() {
    std::string e =
        "0123456789abcdef0123456789abcde" + std::string(1, "0123456789abcdef"[Pick(16)]);
    if (Pct(30)) e += "-" + std::to_string(1 + Pick(3));
    if (Pct(2)) e = "junk";
    return e;
  }
  static std::string PartMd5(uint32_t part, size_t n) {
    return std::string(n, static_cast<char>('a' + part % 20));
  }
  // Mostly valid attributes, some of each field; rarely out of range.
  AttrChange RandomAttrs() {
    AttrChange a;
    if (Pct(60)) a.mode = static_cast<uint32_t>(Pick(010000));
    if (Pct(40)) a.uid = static_cast<uint32_t>(Pick(3) * 1000);
    if (Pct(40)) a.gid = static_cast<uint32_t>(Pick(3) * 1000);
    if (Pct(30)) a.atime_ms = Pick(1ull << 42);
    if (Pct(30)) a.mtime_ms = Pick(1ull << 42);
    if (Pct(3)) a.mode = 010000 + static_cast<uint32_t>(Pick(100));
    if (Pct(2)) a.uid = 0xffffffffu;
    if (Pct(2)) a.mtime_ms = kMaxTimeMs + 1 + Pick(10);
    return a;
  }
  std::string LinkTarget() {
    if (Pct(3)) return "";
    if (Pct(2)) return std::string(4096, 'x');
    if (Pct(2)) return std::string("a\0b", 3);
    if (Pct(2)) return "\xff\xfe";
    return Pct(50) ? "../" + Data() : Path();
  }
  Op RandomOp() {
    if (Pct(35)) return RandomUploadOp();
    if (Pct(8)) return Op::SetAttr(Path(), RandomAttrs());
    if (Pct(5)) return Op::Symlink(Path(), LinkTarget());
    switch (Pick(11)) {
      case 0:
      case 1: {
        Op put = Op::Put(Path(), Data());
        put.meta = RandomMeta(true);
        return put;
      }
      case 2:
      case 3:
      case 4: {
        Op append = Op::Append(Path(), Data());
        if (Pct(30)) append.meta = RandomMeta(false);
        return append;
      }
      case 5:
        return Op::Write(Path(), Pick(40), Data());
      case 10:
        return Op::Copy(Path(), Path(), Pct(50), RandomMeta(false));
      case 6:
        return Op::Truncate(Path(), Pick(40));
      case 7:
        return Op::Mkdir(Path());
      case 8:
        return Op::Delete(Path(), Pct(50));
      default:
        return Op::Rename(Path(), Path(), Pct(50));
    }
  }
  Position RandomVersion(const std::map<Position, Position>& versions) {
    if (versions.empty()) return Position{};
    auto it = versions.begin();
    std::advance(it, static_cast<long>(Pick(versions.size())));
    return it->first;
  }
  Condition RandomCondition(const std::map<Position, Position>& versions) {
    switch (Pick(4)) {
      case 0:
        return Condition::Exists(Path(), Pct(50));
      case 1:
        return Condition::Size(Path(), Pick(20));
      case 2: {  // If-Match with several ETags
        std::vector<Position> vs;
        for (uint64_t i = 0, n = 1 + Pick(3); i < n; ++i) vs.push_back(RandomVersion(versions));
        return Condition::VersionIn(Path(), vs);
      }
      default:
        return Condition::Version(Path(), RandomVersion(versions));
    }
  }
  std::mt19937_64 rng_;
  std::vector<Entry> used_;
  // Chunks staged (as the log placed them) per upload and part, not yet
  // listed by a part op.
  std::map<std::string, std::map<uint32_t, std::vector<std::pair<Position, uint64_t>>>> staged_;
  std::map<std::string, std::set<uint32_t>> sealed_;  // parts sealed since the last create
  std::map<std::string, bool> open_;                  // created, and not yet committed or aborted
};

// A store's namespace in the model's Dump form: path -> "d:" or "f:",
// version, ":", content.
inline std::map<std::string, std::string> DumpNamespace(const StoreReader& store,
                                                        uint32_t block_bytes) {
  std::map<std::string, std::string> out;
  FsView v(&store, block_bytes);
  std::vector<DirEntry> es;
  bool more = false;
  if (!v.ListRecursive(kRootInode, "", 1u << 30, &es, &more).ok()) return {{"<error>", "listing"}};
  for (const auto& e : es) {
    std::string data;
    if (!e.node.is_dir() && !v.Read(e.node, 0, e.node.inode.size, &data).ok()) data = "<error>";
    auto meta = v.LoadMeta(e.node);
    const Inode& n = e.node.inode;
    out["/" + e.name] =
        std::string(e.node.is_dir()       ? "d:"
                    : e.node.is_symlink() ? "l:"
                                          : "f:") +
        n.version.ToString() + ":" + data + (meta.ok() ? MetaString(*meta) : "<meta error>") +
        PosixString(n.posix, n.mode, n.uid, n.gid, n.atime_ms, n.mtime_ms, n.ctime_ms);
  }
  return out;
}

// What the upload and extent records of a store must satisfy, whatever
// happened: every chunk is held (by an open upload, or by exactly `refs`
// extents), every piece belongs to a chunk and every chunk has all its
// pieces, and the staged-bytes and open-upload counters add up. Returns
// what is wrong, or "".
inline std::string CheckUploadRecords(const MemStore& store) {
  const auto& d = store.data();
  std::map<Position, ChunkRecord> chunks;
  std::map<Position, uint64_t> extent_refs, piece_bytes;
  std::map<std::string, UploadRecord> uploads;
  uint64_t staged = 0;
  for (const auto& [k, v] : d) {
    if (k[0] == 'Q') {
      auto c = DecodeChunk(v);
      auto pos = Position::Decode(k.substr(1));
      if (!c || !pos) return "bad chunk record";
      chunks[*pos] = *c;
      if (!c->upload.empty()) staged += c->size;
    } else if (k[0] == 'C') {
      auto pos = Position::Decode(k.substr(1, 16));
      if (!pos) return "bad piece key";
      piece_bytes[*pos] += v.size();
    } else if (k[0] == 'X') {
      auto e = DecodeExtent(k.substr(9), v);
      if (!e) return "bad extent";
      ++extent_refs[e->chunk];
    } else if (k[0] == 'U') {
      auto u = DecodeUpload(v);
      if (!u) return "bad upload record";
      uploads[k.substr(1)] = *u;
    }
  }
  for (const auto& [pos, c] : chunks) {
    if (piece_bytes[pos] != c.size) return "chunk " + pos.ToString() + " lacks pieces";
    if (c.upload.empty()) {
      if (c.refs == 0 || extent_refs[pos] != c.refs) {
        return "chunk " + pos.ToString() + " has " + std::to_string(c.refs) + " references but " +
               std::to_string(extent_refs[pos]) + " extents";
      }
    } else if (!uploads.count(c.upload) || extent_refs.count(pos)) {
      return "staged chunk " + pos.ToString() + " without its upload, or in a file";
    }
  }
  for (const auto& [pos, n] : piece_bytes) {
    if (!chunks.count(pos)) return "pieces of a freed chunk " + pos.ToString();
  }
  for (const auto& [pos, n] : extent_refs) {
    if (!chunks.count(pos)) return "an extent points to a freed chunk";
  }
  uint64_t upload_staged = 0;
  for (const auto& [id, u] : uploads) upload_staged += u.staged_bytes;
  auto counter = [&](std::string_view name) -> uint64_t {
    auto it = d.find(keys::Meta(name));
    return it == d.end() ? 0 : DecodeU64(it->second).value_or(~0ull);
  };
  if (upload_staged != staged || counter(keys::kStagedBytes) != staged) {
    return "staged bytes: chunks " + std::to_string(staged) + ", uploads " +
           std::to_string(upload_staged) + ", counter " +
           std::to_string(counter(keys::kStagedBytes));
  }
  if (counter(keys::kUploads) != uploads.size()) return "open upload counter";
  return "";
}

// Open uploads (not yet expired at now_ms) and the bytes they hold.
inline std::pair<uint64_t, uint64_t> OpenUploads(const MemStore& store, uint64_t now_ms) {
  uint64_t n = 0, bytes = 0;
  for (const auto& [k, v] : store.data()) {
    if (k[0] != 'U') continue;
    auto u = DecodeUpload(v);
    if (!u || u->expires_ms <= now_ms) continue;
    ++n;
    bytes += u->staged_bytes;
  }
  return {n, bytes};
}

}  // namespace walfs::testing
