// Uploads: writes of any size, applied (api-v1.md, "Writes of any size").
//
// An upload names its target (path, and put, append or write at an
// offset). Its bytes arrive as upload_stage entries, one chunk each, for a
// part; an upload_part entry seals a part with the list of its chunks (a
// part sent again replaces the old one, whose chunks are freed); the commit
// concatenates the chosen parts and hands their chunks to the target as
// extents (the write itself is tx_applier's). Abort and expiry free
// everything the upload staged. Expiry is log time: an upload expires
// expiry_ms after its creation or its last staged chunk or part, decided
// before each entry on every replica alike.
// Thread-safety: pure functions over the caller's overlay.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "codec/entry.h"
#include "schema/upload_records.h"
#include "sm/outcome.h"
#include "sm/overlay.h"

namespace walfs {

// Upload op results: OpResult with the upload's path, this entry's
// position as version, and the size staged (stage), sealed (part) or 0.
Result<OpResult> ApplyUploadCreate(Overlay* o, uint32_t block_bytes, Position pos, uint64_t now_ms,
                                   const Op& op);
Result<OpResult> ApplyUploadStage(Overlay* o, Position pos, uint64_t now_ms, const Op& op);
Result<OpResult> ApplyUploadPart(Overlay* o, Position pos, uint64_t now_ms, const Op& op);
Result<OpResult> ApplyUploadAbort(Overlay* o, Position pos, uint64_t now_ms, const Op& op);

// What a commit writes: the upload's target and the chunks of the chosen
// parts, in order.
struct CommitPlan {
  UploadRecord upload;
  std::vector<std::pair<Position, uint64_t>> chunks;  // chunk, size
  uint64_t bytes = 0;
};
// The plan of op (an upload_commit) at pos: kNotFound for an unknown or
// expired upload, kBadRequest for a missing or repeated part or a target
// other than the upload's.
Result<CommitPlan> PlanCommit(const Overlay& o, Position pos, uint64_t now_ms, const Op& op);
// Ends the upload after its commit: the plan's chunks now belong to the
// file (one reference each, counted by the caller's extents), everything
// else it staged is freed, and its records go.
Status FinishCommit(Overlay* o, const std::string& upload, const CommitPlan& plan);

// Frees a bounded number of uploads whose expiry time is at or before now.
Status ExpireUploads(Overlay* o, uint64_t now_ms);

}  // namespace walfs
