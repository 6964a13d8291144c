// Outcome: what applying one entry did, identical on every replica.
//
// Success carries one OpResult per op. A failure carries the code and, for
// transactions, which condition or op failed; nothing of the entry changed
// the store. The encoding feeds the digest and the idempotency table, so it
// is part of the store format.
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/position.h"
#include "core/status.h"

namespace walfs {

struct OpResult {
  std::string path;
  Position version;
  uint64_t size = 0;
  std::optional<uint64_t> offset;  // append, write
  bool created = false;            // put or mkdir made a new node
  bool operator==(const OpResult&) const = default;
};

struct Outcome {
  Code code = Code::kOk;
  std::string message;
  int64_t failed_condition = -1;
  int64_t failed_index = -1;
  Position position;  // the entry that produced this outcome
  std::vector<OpResult> results;
  bool duplicate = false;  // answered from the idempotency table (not encoded)
  bool ok() const { return code == Code::kOk; }
  bool operator==(const Outcome&) const = default;
};

std::string EncodeOutcome(const Outcome& o);
std::optional<Outcome> DecodeOutcome(std::string_view bytes);

}  // namespace walfs
