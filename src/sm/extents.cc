#include "sm/extents.h"

#include <vector>

#include "schema/fs_view.h"
#include "schema/schema.h"
#include "sm/chunks.h"

namespace walfs {

void PutExtent(Overlay* o, uint64_t ino, const Extent& e) {
  o->Put(keys::Extent(ino, e.end()), EncodeExtent(e));
}

Status CutExtents(Overlay* o, uint64_t ino, uint64_t from, uint64_t to) {
  if (from >= to) return Status::Ok();
  std::string prefix = keys::ExtentPrefix(ino);
  std::vector<Extent> hit;
  Status bad = Status::Ok();
  // Keyed by end: the first extent ending after `from` is the first that
  // can overlap [from, to).
  WALFS_RETURN_IF_ERROR(
      o->Scan(prefix, keys::Extent(ino, from + 1), [&](std::string_view k, std::string_view v) {
        auto e = DecodeExtent(k.substr(prefix.size()), v);
        if (!e) {
          bad = CorruptRecord("extent");
          return false;
        }
        if (e->start >= to) return false;
        hit.push_back(*e);
        return true;
      }));
  WALFS_RETURN_IF_ERROR(bad);
  for (const Extent& e : hit) {
    o->Delete(keys::Extent(ino, e.end()));
    int64_t refs = -1;
    if (e.start < from) {
      PutExtent(o, ino, Extent{e.start, from - e.start, e.chunk, e.offset});
      ++refs;
    }
    if (e.end() > to) {
      PutExtent(o, ino, Extent{to, e.end() - to, e.chunk, e.offset + (to - e.start)});
      ++refs;
    }
    WALFS_RETURN_IF_ERROR(AddChunkRefs(o, e.chunk, refs));
  }
  return Status::Ok();
}

}  // namespace walfs
