// Outcome: what applying one entry did, identical on every replica.
//
// Success carries one OpResult per op. A failure carries the code and, for
// transactions, which condition or op failed; nothing of the entry changed
// the store. The encoding feeds the digest and the idempotency table, so it
// is part of the store format. Format 2 (the current one) holds the pinned
// wire code (sm/outcome_code.h) and no message; format 1 held the Code's
// raw value and the message, and is still written where a store's digest is
// in format 1 (sm/state_machine.h) and always decoded.
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/position.h"
#include "core/status.h"

namespace walfs {

// How an entry ended, identical on every replica: a closed set apart from
// Status (which reports failures of this replica), so that the two cannot be
// confused. The values are pinned: the digest chain and the idempotency
// table record them (docs/entry-format.md), so they are never renumbered.
enum class OutcomeCode : uint8_t {
  kOk = 0,
  kBadRequest = 1,
  kInvalidPath = 2,
  kNotFound = 3,
  kIsADirectory = 4,
  kNotADirectory = 5,
  kAlreadyExists = 6,
  kNotEmpty = 7,
  kPreconditionFailed = 8,
  kTooLarge = 9,
  kIdempotencyKeyReused = 11,
  kRejected = 15,  // the entry's bytes could not be decoded
};

struct OpResult {
  std::string path;
  Position version;
  uint64_t size = 0;
  std::optional<uint64_t> offset;  // append, write
  bool created = false;            // put or mkdir made a new node
  bool operator==(const OpResult&) const = default;
};

struct Outcome {
  OutcomeCode code = OutcomeCode::kOk;
  std::string message;  // for answers only; format 2 neither stores nor hashes it
  int64_t failed_condition = -1;
  int64_t failed_index = -1;
  Position position;  // the entry that produced this outcome
  std::vector<OpResult> results;
  bool duplicate = false;  // answered from the idempotency table (not encoded)
  bool ok() const { return code == OutcomeCode::kOk; }
  bool operator==(const Outcome&) const = default;
};

inline constexpr uint8_t kOutcomeFormatLatest = 2;
std::string EncodeOutcome(const Outcome& o, uint8_t format = kOutcomeFormatLatest);
// Either format; a format-2 outcome comes back with an empty message.
std::optional<Outcome> DecodeOutcome(std::string_view bytes);

}  // namespace walfs
