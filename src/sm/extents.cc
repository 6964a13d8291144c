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
  auto hit = ExtentsOverlapping(*o, ino, from, to);
  if (!hit.ok()) return hit.status();
  for (const Extent& e : *hit) {
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
