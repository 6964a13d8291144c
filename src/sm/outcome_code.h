// The boundary between outcomes and replica failures.
//
// Inside the state machine a broken rule travels as a Status (its helpers
// share code with the read side); where an entry's outcome is decided, a
// Status whose code names a broken rule becomes that OutcomeCode, and any
// other (io_error, corruption, unsupported, internal, or a code a later
// release adds) is a failure of this replica that stops the applier. The
// classification is a switch without a default, so a new Code does not
// compile until it is classified: it fails closed.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "sm/outcome.h"

namespace walfs {

// The outcome a Status of code c stands for; nullopt for a replica failure.
std::optional<OutcomeCode> OutcomeFromStatus(Code c);
inline bool IsOutcomeCode(Code c) { return OutcomeFromStatus(c).has_value(); }
// The inverse, for answers (every OutcomeCode has a Code).
Code StatusCodeOf(OutcomeCode c);
// A pinned number read back from the store; nullopt if it names no outcome.
std::optional<OutcomeCode> OutcomeCodeFromWire(uint8_t wire);
// The contract's name of the code ("not_found").
std::string_view OutcomeCodeName(OutcomeCode c);

// The sentence an answer carries when the outcome came back without one
// (an outcome read from the idempotency table): derived from the code and
// which condition or op failed, never stored.
std::string DefaultOutcomeMessage(const Outcome& o);

}  // namespace walfs
