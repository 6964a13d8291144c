#include "codec/attr_change.h"

namespace walfs {
namespace {

constexpr uint64_t kMode = 1, kUid = 2, kGid = 4, kAtime = 8, kMtime = 16;
constexpr uint64_t kAllBits = 31;

bool Read32(Reader& r, std::optional<uint32_t>* out) {
  uint64_t v = r.Varint();
  if (v > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

void EncodeAttrChange(std::string* out, const AttrChange& a) {
  uint64_t mask = (a.mode ? kMode : 0) | (a.uid ? kUid : 0) | (a.gid ? kGid : 0) |
                  (a.atime_ms ? kAtime : 0) | (a.mtime_ms ? kMtime : 0);
  PutVarint(out, mask);
  if (a.mode) PutVarint(out, *a.mode);
  if (a.uid) PutVarint(out, *a.uid);
  if (a.gid) PutVarint(out, *a.gid);
  if (a.atime_ms) PutVarint(out, *a.atime_ms);
  if (a.mtime_ms) PutVarint(out, *a.mtime_ms);
}

bool DecodeAttrChange(Reader& r, AttrChange* a) {
  uint64_t mask = r.Varint();
  if (!r.ok() || (mask & ~kAllBits) != 0) return false;
  if ((mask & kMode) && !Read32(r, &a->mode)) return false;
  if ((mask & kUid) && !Read32(r, &a->uid)) return false;
  if ((mask & kGid) && !Read32(r, &a->gid)) return false;
  if (mask & kAtime) a->atime_ms = r.Varint();
  if (mask & kMtime) a->mtime_ms = r.Varint();
  return r.ok();
}

Status CheckAttrChange(const AttrChange& a) {
  if (a.mode && *a.mode > kMaxMode) {
    return Status(Code::kBadRequest, "a mode is at most 07777 (permission, set-id, sticky bits)");
  }
  if ((a.uid && *a.uid == kNoId) || (a.gid && *a.gid == kNoId)) {
    return Status(Code::kBadRequest, "uid and gid are below 4294967295");
  }
  if ((a.atime_ms && *a.atime_ms > kMaxTimeMs) || (a.mtime_ms && *a.mtime_ms > kMaxTimeMs)) {
    return Status(Code::kBadRequest, "a time is at most 9999-12-31T23:59:59.999Z");
  }
  return Status::Ok();
}

}  // namespace walfs
