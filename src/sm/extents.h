// Extents: the parts of a file whose bytes are in chunks rather than in its
// blocks ("X" records, schema/schema.h). A commit lays one extent per chunk
// at any offset; a small write or a truncate cuts away the extents it
// covers, so that an extent always wins over the blocks beneath it.
// Thread-safety: pure functions over the caller's overlay.
#pragma once

#include <cstdint>
#include <limits>

#include "schema/upload_records.h"
#include "sm/overlay.h"

namespace walfs {

// Removes whatever extents of file ino cover of [from, to): an extent inside
// goes, one across an end is cut, one across both ends becomes two. Chunk
// references follow (a chunk is freed when no extent points into it).
Status CutExtents(Overlay* o, uint64_t ino, uint64_t from,
                  uint64_t to = std::numeric_limits<uint64_t>::max());
// Records e; REQUIRES: nothing of e's range is covered, and the caller
// counts the reference to e.chunk.
void PutExtent(Overlay* o, uint64_t ino, const Extent& e);

}  // namespace walfs
