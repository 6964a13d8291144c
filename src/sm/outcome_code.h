// Outcome codes as the state machine records them: pinned numbers, one per
// code that an entry can end with, never renumbered.
//
// The digest chain and the idempotency table hold these numbers, not the
// Code enum's values and not message text, so that a release may reword a
// message or reorder the enum without replicas of two releases computing
// different digests. A code that is not an outcome (a failure of the replica
// itself: io_error, corruption, unsupported, internal, or anything a later
// release adds) has no wire number, and the applier stops on it instead of
// recording it: the classification fails closed. The table is a switch
// without a default, so a new Code does not compile until it is classified.
// docs/entry-format.md lists the numbers.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"

namespace walfs {

struct Outcome;

// The pinned number of an outcome code; nullopt for a replica failure.
std::optional<uint8_t> OutcomeWireCode(Code c);
// The inverse; nullopt for a number that names no outcome.
std::optional<Code> CodeFromOutcomeWire(uint8_t wire);
inline bool IsOutcomeCode(Code c) { return OutcomeWireCode(c).has_value(); }

// The sentence an answer carries when the outcome came back without one
// (an outcome read from the idempotency table): derived from the code and
// which condition or op failed, never stored.
std::string DefaultOutcomeMessage(const Outcome& o);

}  // namespace walfs
