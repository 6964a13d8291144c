#include "sm/chunks.h"

#include "schema/fs_view.h"
#include "schema/schema.h"

namespace walfs {

Result<std::optional<ChunkRecord>> LoadChunk(const StoreReader& r, const Position& chunk) {
  auto v = r.Get(keys::Chunk(chunk));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<ChunkRecord>();
  auto c = DecodeChunk(**v);
  if (!c) return CorruptRecord("chunk " + chunk.ToString());
  return std::optional<ChunkRecord>(std::move(*c));
}

void PutChunk(Overlay* o, const Position& chunk, const ChunkRecord& rec) {
  o->Put(keys::Chunk(chunk), EncodeChunk(rec));
}

void PutChunkBytes(Overlay* o, const Position& chunk, std::string_view data) {
  for (uint32_t piece = 0; static_cast<uint64_t>(piece) * kChunkPieceBytes < data.size(); ++piece) {
    o->Put(
        keys::ChunkPiece(chunk, piece),
        std::string(data.substr(static_cast<size_t>(piece) * kChunkPieceBytes, kChunkPieceBytes)));
  }
}

void FreeChunk(Overlay* o, const Position& chunk, const ChunkRecord& rec) {
  uint64_t pieces = (rec.size + kChunkPieceBytes - 1) / kChunkPieceBytes;
  for (uint64_t piece = 0; piece < pieces; ++piece) {
    o->Delete(keys::ChunkPiece(chunk, static_cast<uint32_t>(piece)));
  }
  o->Delete(keys::Chunk(chunk));
}

Status AddChunkRefs(Overlay* o, const Position& chunk, int64_t delta) {
  if (delta == 0) return Status::Ok();
  auto rec = LoadChunk(*o, chunk);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return CorruptRecord("an extent points to a missing chunk");
  ChunkRecord c = std::move(**rec);
  if (delta < 0 && c.refs < static_cast<uint64_t>(-delta)) {
    return CorruptRecord("chunk reference count");
  }
  c.refs += static_cast<uint64_t>(delta);
  if (c.refs == 0) {
    FreeChunk(o, chunk, c);
  } else {
    PutChunk(o, chunk, c);
  }
  return Status::Ok();
}

}  // namespace walfs
