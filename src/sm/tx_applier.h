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

Result<Outcome> ApplyOps(Overlay* batch, uint32_t block_bytes, Position pos, const Entry& e);

}  // namespace walfs
