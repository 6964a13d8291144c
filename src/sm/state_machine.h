// The state machine: apply(store view, entry, position) -> (mutations, outcome).
//
// Pure and deterministic (design.md rules 1-8): it reads only the store
// (through a StoreReader) and the entry; its only clock is the position's
// log time. It links nothing but the core types, the codec and this folder
// (the walfs_sm build target enforces that). Broken rules (missing file,
// false condition, bad path, undecodable entry) are outcomes that change
// nothing; errors returned as Status are failures of the replica itself
// (store I/O, an entry format newer than this binary) and must stop the
// applier without skipping the entry.
// Thread-safety: stateless functions; the caller owns the overlays.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/log_record.h"
#include "sm/digest.h"
#include "sm/idempotency.h"
#include "sm/outcome.h"
#include "sm/overlay.h"

namespace walfs {

// How the digest chains an entry: format 1 hashed each outcome with its
// message and raw code; format 2 hashes pinned outcome codes only
// (sm/outcome_code.h). A store starts in format 1 and moves to 2 at the
// first entry of entry format 2 it applies, which is the same position on
// every replica; it never moves back.
struct ApplyState {
  Position applied;
  std::string digest;      // 16 bytes; all zeros before the first entry
  uint64_t entries = 0;    // how many entries have been applied, ever
  uint64_t log_bytes = 0;  // the bytes of those entries, ever (what snapshots are due by)
  uint8_t digest_format = 1;
};

// Totals kept by the state machine (exact, identical on every replica).
struct Usage {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t uploads = 0;       // open (expired ones until the next entry frees them)
  uint64_t staged_bytes = 0;  // bytes staged by open uploads
};
Result<Usage> LoadUsage(const StoreReader& r);

// The applied position, digest and entry count recorded in a store.
Result<ApplyState> LoadApplyState(const StoreReader& r);
// Just the applied position (one read).
Result<Position> LoadAppliedPosition(const StoreReader& r);
// Writes the meta records of a new store (root directory, format, block
// size) into batch if the store has none yet.
Status InitStore(const StoreReader& r, Overlay* batch, uint32_t block_bytes);

// Applies one entry at pos, whose log time is now_ms (LogRecord::LogTime);
// its mutations go into batch only if it succeeds. *digest_format is the
// store's, and becomes 2 at an entry of format 2.
Result<Outcome> ApplyEntry(Overlay* batch, uint32_t block_bytes, Position pos, uint64_t now_ms,
                           std::string_view payload, uint8_t* digest_format);
// The same at a position that is its own log time (Redis, the local log).
Result<Outcome> ApplyEntry(Overlay* batch, uint32_t block_bytes, Position pos,
                           std::string_view payload, uint8_t* digest_format);

struct BatchResult {
  ApplyState state;  // after the last applied record
  std::vector<std::pair<Position, Outcome>> outcomes;
  // Not ok when a record could not be applied (a predecessor mismatch, an
  // unsupported entry, a store failure): the records before it are in the
  // batch, that record and the ones after it are not.
  Status stop;
};

// Applies records in order on top of start, checking each record's
// predecessor; writes the new applied position and digest into batch.
// Records at or below the applied position (delivered twice) are skipped.
// The entries' outcomes and a failure of this replica come back apart:
// outcomes in `outcomes`, the failure (if any) in `stop`.
BatchResult ApplyBatch(const ApplyState& start, Overlay* batch, uint32_t block_bytes,
                       std::span<const LogRecord> records);

}  // namespace walfs
