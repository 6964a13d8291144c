// Chunks: the bytes of one upload_stage entry, named by its position, kept
// in pieces of kChunkPieceBytes beside a record of who holds them
// (schema/upload_records.h).
// Thread-safety: pure functions over the caller's overlay or reader.
#pragma once

#include <optional>
#include <string_view>

#include "core/position.h"
#include "schema/store_view.h"
#include "schema/upload_records.h"
#include "sm/overlay.h"

namespace walfs {

Result<std::optional<ChunkRecord>> LoadChunk(const StoreReader& r, const Position& chunk);
void PutChunk(Overlay* o, const Position& chunk, const ChunkRecord& rec);
// Writes the chunk's bytes (its pieces). REQUIRES: data is not empty.
void PutChunkBytes(Overlay* o, const Position& chunk, std::string_view data);
// Deletes the chunk's bytes and record.
void FreeChunk(Overlay* o, const Position& chunk, const ChunkRecord& rec);
// Adds delta to the extents pointing into the chunk; frees it at zero.
Status AddChunkRefs(Overlay* o, const Position& chunk, int64_t delta);

}  // namespace walfs
