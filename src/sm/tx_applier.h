// ApplyOps: the conditions, then the ops, of one entry, all or nothing.
//
// Conditions are checked first, then ops in order, each seeing the ones
// before it, through an overlay of their own: a broken rule leaves the
// batch as it was and becomes the outcome (which condition or op failed);
// a failure of the replica itself (a store read that failed, corrupt
// records) comes back as a Status.
// Thread-safety: a pure function of (batch, entry, position).
#pragma once

#include <cstdint>

#include "codec/entry.h"
#include "sm/outcome.h"
#include "sm/overlay.h"

namespace walfs {

// format: the entry format e was written in; what an op may carry changes
// with it (from format 5, a commit may add checksums to its upload's
// headers).
// now_ms: the entry's log time (file times, upload expiry).
Result<Outcome> ApplyOps(Overlay* batch, uint32_t block_bytes, Position pos, uint64_t now_ms,
                         const Entry& e, uint8_t format);

}  // namespace walfs
