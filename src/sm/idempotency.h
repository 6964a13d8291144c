// Idempotency records: what a write with an Idempotency-Key left in the
// store (its entry's fingerprint and first outcome, keyed by the key, with
// a log-time index), so that a retry is answered the first outcome and a
// reused key is refused. Pruned deterministically by log time: at most a
// bounded number per entry, older than kIdempotencyRetentionMs.
// Thread-safety: pure functions over the caller's overlay or reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schema/store_view.h"
#include "sm/outcome.h"
#include "sm/overlay.h"

namespace walfs {

// What a write with an idempotency key left: its entry's fingerprint and
// its first outcome. nullopt when none is held.
struct IdempotencyRecord {
  std::string fingerprint;
  Outcome first;
};
Result<std::optional<IdempotencyRecord>> LookupIdempotency(const StoreReader& store,
                                                           std::string_view key);

// Deletes a bounded number of records older than the retention window.
Status PruneIdempotency(Overlay* batch, uint64_t now_ms);

// A record's bytes: bytes fingerprint, varint log time, then the outcome in
// the store's digest format (format 1 keeps the message).
std::string EncodeIdem(std::string_view fp, uint64_t ms, const Outcome& o, uint8_t format);

}  // namespace walfs
