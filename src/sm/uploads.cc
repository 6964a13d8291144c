// Uploads applied: create, stage, seal a part, plan and finish a commit,
// abort, expire. Layout of the records: schema/upload_records.h.
#include "sm/uploads.h"

#include <algorithm>

#include "core/bytes.h"
#include "core/path.h"
#include "schema/fs_view.h"
#include "schema/schema.h"
#include "sm/chunks.h"
#include "sm/meta_counter.h"

namespace walfs {
namespace {

// Uploads freed by expiry before one entry, at most: each may hold many
// chunks, and one entry's work stays bounded; the rest go before the next.
constexpr size_t kExpiriesPerEntry = 4;

Status Refuse(Code c, std::string msg) { return Status(c, std::move(msg)); }

Result<UploadRecord> LoadOpenUpload(const StoreReader& r, std::string_view id, uint64_t now_ms) {
  if (!ValidUploadId(id)) return Refuse(Code::kNotFound, "no upload has that id");
  auto v = r.Get(keys::Upload(id));
  if (!v.ok()) return v.status();
  if (!v->has_value()) {
    return Refuse(Code::kNotFound, "upload " + std::string(id) +
                                       " does not exist (never created, committed, aborted or "
                                       "expired)");
  }
  auto u = DecodeUpload(**v);
  if (!u) return CorruptRecord("upload " + std::string(id));
  if (u->expires_ms <= now_ms)
    return Refuse(Code::kNotFound, "upload " + std::string(id) + " expired");
  return std::move(*u);
}

Status LowerExpiryFloor(Overlay* o, uint64_t ms) {
  auto v = o->Get(keys::Meta(keys::kUploadExpiryFloor));
  if (!v.ok()) return v.status();
  if (v->has_value()) {
    auto floor = DecodeU64(**v);
    if (!floor) return CorruptRecord("upload expiry floor");
    if (*floor <= ms) return Status::Ok();
  }
  o->Put(keys::Meta(keys::kUploadExpiryFloor), EncodeU64(ms));
  return Status::Ok();
}

// Moves the upload's expiry to now + its expiry_ms and stores its record.
Status Touch(Overlay* o, std::string_view id, UploadRecord* u, uint64_t now_ms) {
  o->Delete(keys::UploadExpiry(u->expires_ms, id));
  u->expires_ms = now_ms + std::min(u->expiry_ms, UINT64_MAX - now_ms);
  o->Put(keys::UploadExpiry(u->expires_ms, id), "");
  o->Put(keys::Upload(id), EncodeUpload(*u));
  return LowerExpiryFloor(o, u->expires_ms);
}

Status CheckPart(uint32_t part) {
  if (part < 1 || part > kMaxPartsPerUpload) {
    return Refuse(Code::kBadRequest, "part numbers are 1 to " + std::to_string(kMaxPartsPerUpload));
  }
  return Status::Ok();
}

Result<std::optional<PartRecord>> LoadPart(const StoreReader& r, std::string_view id,
                                           uint32_t part) {
  auto v = r.Get(keys::Part(id, part));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<PartRecord>();
  auto p = DecodePart(**v);
  if (!p) return CorruptRecord("part record");
  return std::optional<PartRecord>(std::move(*p));
}

// Ends an upload: chunks in `keep` pass to a file (one reference each),
// every other chunk it staged is freed, and its records go.
Status EndUpload(Overlay* o, std::string_view id, const UploadRecord& u,
                 const std::set<Position>& keep) {
  std::vector<std::string> staged;
  std::string prefix = keys::UploadChunkPrefix(id);
  WALFS_RETURN_IF_ERROR(o->Scan(prefix, prefix, [&](std::string_view k, std::string_view) {
    staged.emplace_back(k);
    return true;
  }));
  for (auto& k : staged) {
    auto chunk = Position::Decode(std::string_view(k).substr(prefix.size()));
    if (!chunk) return CorruptRecord("staged chunk key");
    auto rec = LoadChunk(*o, *chunk);
    if (!rec.ok()) return rec.status();
    if (!rec->has_value()) return CorruptRecord("a staged chunk is missing");
    if (keep.count(*chunk) != 0) {
      PutChunk(o, *chunk, ChunkRecord{(*rec)->size, "", 0, false, 1});
    } else {
      FreeChunk(o, *chunk, **rec);
    }
    o->Delete(std::move(k));
  }
  std::vector<std::string> parts;
  std::string pprefix = keys::PartPrefix(id);
  WALFS_RETURN_IF_ERROR(o->Scan(pprefix, pprefix, [&](std::string_view k, std::string_view) {
    parts.emplace_back(k);
    return true;
  }));
  for (auto& k : parts) o->Delete(std::move(k));
  o->Delete(keys::Upload(id));
  o->Delete(keys::UploadExpiry(u.expires_ms, id));
  WALFS_RETURN_IF_ERROR(AddToMetaCounter(o, keys::kUploads, -1));
  return AddToMetaCounter(o, keys::kStagedBytes, -static_cast<int64_t>(u.staged_bytes));
}

}  // namespace

Result<OpResult> ApplyUploadCreate(Overlay* o, uint32_t block_bytes, Position pos, uint64_t now_ms,
                                   const Op& op) {
  auto path = NormalizePath(op.path);
  if (!path.ok()) return path.status();
  if (!ValidUploadId(op.upload)) {
    return Refuse(Code::kBadRequest, "an upload id is 32 lower-case hex digits");
  }
  if (op.expiry_ms == 0 || op.expiry_ms > kMaxUploadExpiryMs) {
    return Refuse(Code::kBadRequest, "an upload's expiry is 1 ms to 366 days");
  }
  if (op.target == OpType::kWrite && op.offset > kMaxFileBytes) {
    return Refuse(Code::kTooLarge, "the offset is past the 1 TiB file size limit");
  }
  WALFS_RETURN_IF_ERROR(CheckFileMeta(op.meta));
  if (!op.meta.etag.empty()) {
    return Refuse(Code::kBadRequest, "an upload's ETag is given by its commit, not its creation");
  }
  FsView view(o, block_bytes);
  auto n = view.Lookup(*path);
  if (!n.ok()) return n.status();
  if (n->has_value() && (*n)->is_dir())
    return Refuse(Code::kIsADirectory, *path + " is a directory");
  auto exists = o->Get(keys::Upload(op.upload));
  if (!exists.ok()) return exists.status();
  if (exists->has_value()) {
    auto old = DecodeUpload(**exists);
    if (!old) return CorruptRecord("upload " + op.upload);
    if (old->expires_ms > now_ms)
      return Refuse(Code::kAlreadyExists, "upload " + op.upload + " exists");
    // Expired but not freed yet (expiry frees a few per entry): free it now.
    WALFS_RETURN_IF_ERROR(EndUpload(o, op.upload, *old, {}));
  }
  UploadRecord u;
  u.path = *path;
  u.target = op.target;
  u.offset = op.target == OpType::kWrite ? op.offset : 0;
  u.expiry_ms = op.expiry_ms;
  u.created_ms = now_ms;
  u.expires_ms = now_ms;  // replaced by Touch
  u.meta = op.meta;
  WALFS_RETURN_IF_ERROR(Touch(o, op.upload, &u, now_ms));
  WALFS_RETURN_IF_ERROR(AddToMetaCounter(o, keys::kUploads, 1));
  OpResult r{u.path, pos, 0, std::nullopt, true};
  return r;
}

Result<OpResult> ApplyUploadStage(Overlay* o, Position pos, uint64_t now_ms, const Op& op) {
  auto u = LoadOpenUpload(*o, op.upload, now_ms);
  if (!u.ok()) return u.status();
  WALFS_RETURN_IF_ERROR(CheckPart(op.part));
  if (op.data.empty()) return Refuse(Code::kBadRequest, "a staged chunk holds at least one byte");
  auto taken = o->Get(keys::Chunk(pos));
  if (!taken.ok()) return taken.status();
  if (taken->has_value()) {
    return Refuse(Code::kBadRequest, "an entry stages one chunk (it is named by its position)");
  }
  PutChunkBytes(o, pos, op.data);
  PutChunk(o, pos, ChunkRecord{op.data.size(), op.upload, op.part, false, 0});
  o->Put(keys::UploadChunk(op.upload, pos), "");
  u->staged_bytes += op.data.size();
  WALFS_RETURN_IF_ERROR(
      AddToMetaCounter(o, keys::kStagedBytes, static_cast<int64_t>(op.data.size())));
  WALFS_RETURN_IF_ERROR(Touch(o, op.upload, &*u, now_ms));
  return OpResult{u->path, pos, op.data.size(), std::nullopt, false};
}

Result<OpResult> ApplyUploadPart(Overlay* o, Position pos, uint64_t now_ms, const Op& op) {
  auto u = LoadOpenUpload(*o, op.upload, now_ms);
  if (!u.ok()) return u.status();
  WALFS_RETURN_IF_ERROR(CheckPart(op.part));
  if (op.md5.size() != 16) return Refuse(Code::kBadRequest, "a part's MD5 is 16 bytes");
  uint64_t total = 0;
  for (const auto& c : op.chunks) {
    auto rec = LoadChunk(*o, c);
    if (!rec.ok()) return rec.status();
    if (!rec->has_value() || (*rec)->upload != op.upload || (*rec)->part != op.part ||
        (*rec)->sealed) {
      return Refuse(Code::kBadRequest, "chunk " + c.ToString() + " is not staged for part " +
                                           std::to_string(op.part) + " of this upload");
    }
    (*rec)->sealed = true;
    PutChunk(o, c, **rec);
    total += (*rec)->size;
  }
  if (total != op.size) {
    return Refuse(Code::kBadRequest, "the part's chunks hold " + std::to_string(total) +
                                         " bytes, not " + std::to_string(op.size));
  }
  auto old = LoadPart(*o, op.upload, op.part);
  if (!old.ok()) return old.status();
  if (old->has_value()) {
    // Sent again: the new part replaces the old, whose chunks are freed.
    for (const auto& c : (*old)->chunks) {
      auto rec = LoadChunk(*o, c);
      if (!rec.ok()) return rec.status();
      if (!rec->has_value()) return CorruptRecord("a part's chunk is missing");
      FreeChunk(o, c, **rec);
      o->Delete(keys::UploadChunk(op.upload, c));
      u->staged_bytes -= (*rec)->size;
      WALFS_RETURN_IF_ERROR(
          AddToMetaCounter(o, keys::kStagedBytes, -static_cast<int64_t>((*rec)->size)));
    }
  }
  o->Put(keys::Part(op.upload, op.part), EncodePart(PartRecord{op.size, op.md5, op.chunks}));
  WALFS_RETURN_IF_ERROR(Touch(o, op.upload, &*u, now_ms));
  return OpResult{u->path, pos, op.size, std::nullopt, false};
}

Result<OpResult> ApplyUploadAbort(Overlay* o, Position pos, uint64_t now_ms, const Op& op) {
  auto u = LoadOpenUpload(*o, op.upload, now_ms);
  if (!u.ok()) return u.status();
  WALFS_RETURN_IF_ERROR(EndUpload(o, op.upload, *u, {}));
  return OpResult{u->path, pos, 0, std::nullopt, false};
}

Result<CommitPlan> PlanCommit(const Overlay& o, Position pos, uint64_t now_ms, const Op& op) {
  auto u = LoadOpenUpload(o, op.upload, now_ms);
  if (!u.ok()) return u.status();
  CommitPlan plan;
  plan.upload = std::move(*u);
  if (!op.path.empty()) {
    auto path = NormalizePath(op.path);
    if (!path.ok()) return path.status();
    if (*path != plan.upload.path || op.target != plan.upload.target ||
        (op.target == OpType::kWrite && op.offset != plan.upload.offset)) {
      return Refuse(Code::kBadRequest, "the commit names another target than its upload's");
    }
  }
  std::vector<PartRecord> parts;
  if (op.parts.empty()) {
    std::string prefix = keys::PartPrefix(op.upload);
    Status bad = Status::Ok();
    WALFS_RETURN_IF_ERROR(o.Scan(prefix, prefix, [&](std::string_view, std::string_view v) {
      auto p = DecodePart(v);
      if (!p) {
        bad = CorruptRecord("part record");
        return false;
      }
      parts.push_back(std::move(*p));
      return true;
    }));
    WALFS_RETURN_IF_ERROR(bad);
  } else {
    std::set<uint32_t> seen;
    for (uint32_t n : op.parts) {
      WALFS_RETURN_IF_ERROR(CheckPart(n));
      if (!seen.insert(n).second) {
        return Refuse(Code::kBadRequest, "part " + std::to_string(n) + " is listed twice");
      }
      auto p = LoadPart(o, op.upload, n);
      if (!p.ok()) return p.status();
      if (!p->has_value()) {
        return Refuse(Code::kBadRequest, "part " + std::to_string(n) + " was not uploaded");
      }
      parts.push_back(std::move(**p));
    }
  }
  if (!op.part_md5s.empty()) {
    // The MD5s the client was told for its parts (S3's part ETags): any
    // other part now, and nothing is written.
    if (op.part_md5s.size() != parts.size()) {
      return Refuse(Code::kBadRequest, "the commit lists " + std::to_string(op.part_md5s.size()) +
                                           " part MD5s for " + std::to_string(parts.size()) +
                                           " parts");
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].md5 != op.part_md5s[i]) {
        return Refuse(Code::kBadRequest, "listed part " + std::to_string(i + 1) +
                                             " does not have the MD5 given for it");
      }
    }
  }
  for (const auto& p : parts) {
    for (const auto& c : p.chunks) {
      auto rec = LoadChunk(o, c);
      if (!rec.ok()) return rec.status();
      if (!rec->has_value()) return CorruptRecord("a part's chunk is missing");
      plan.chunks.emplace_back(c, (*rec)->size);
      plan.bytes += (*rec)->size;
    }
  }
  return plan;
}

Status FinishCommit(Overlay* o, const std::string& upload, const CommitPlan& plan) {
  std::set<Position> keep;
  for (const auto& [c, size] : plan.chunks) keep.insert(c);
  return EndUpload(o, upload, plan.upload, keep);
}

Status ExpireUploads(Overlay* o, uint64_t now_ms) {
  auto v = o->Get(keys::Meta(keys::kUploadExpiryFloor));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status::Ok();
  auto floor = DecodeU64(**v);
  if (!floor) return CorruptRecord("upload expiry floor");
  if (*floor > now_ms) return Status::Ok();
  std::vector<std::pair<uint64_t, std::string>> due;
  std::optional<uint64_t> next;
  std::string prefix(keys::kUploadExpiryPrefix);
  WALFS_RETURN_IF_ERROR(o->Scan(prefix, prefix, [&](std::string_view k, std::string_view) {
    if (k.size() != 1 + 8 + kUploadIdBytes) return false;
    uint64_t ms = GetFixed64BE(k.data() + 1);
    if (ms > now_ms || due.size() >= kExpiriesPerEntry) {
      next = ms;
      return false;
    }
    due.emplace_back(ms, std::string(k.substr(9)));
    return true;
  }));
  for (const auto& [ms, id] : due) {
    auto rec = o->Get(keys::Upload(id));
    if (!rec.ok()) return rec.status();
    std::optional<UploadRecord> u;
    if (rec->has_value()) u = DecodeUpload(**rec);
    if (!u || u->expires_ms != ms) return CorruptRecord("upload expiry index");
    WALFS_RETURN_IF_ERROR(EndUpload(o, id, *u, {}));
  }
  if (next) {
    o->Put(keys::Meta(keys::kUploadExpiryFloor), EncodeU64(*next));
  } else {
    o->Delete(keys::Meta(keys::kUploadExpiryFloor));
  }
  return Status::Ok();
}

}  // namespace walfs
