#include "sm/outcome_code.h"

#include "sm/outcome.h"

namespace walfs {

// The numbers equal the Code enum's values of format 1, whose idempotency
// records stored the raw enum value: those records decode through the same
// table.
std::optional<uint8_t> OutcomeWireCode(Code c) {
  switch (c) {
    case Code::kOk: return 0;
    case Code::kBadRequest: return 1;
    case Code::kInvalidPath: return 2;
    case Code::kNotFound: return 3;
    case Code::kIsADirectory: return 4;
    case Code::kNotADirectory: return 5;
    case Code::kAlreadyExists: return 6;
    case Code::kNotEmpty: return 7;
    case Code::kPreconditionFailed: return 8;
    case Code::kTooLarge: return 9;
    case Code::kIdempotencyKeyReused: return 11;
    case Code::kRejected: return 15;
    // Never an entry's outcome: the replica failed, or the code belongs to
    // the HTTP layer. The applier stops rather than record them.
    case Code::kInvalidRange:
    case Code::kLogUnavailable:
    case Code::kNotReady:
    case Code::kTimeout:
    case Code::kCorruption:
    case Code::kIoError:
    case Code::kUnsupported:
    case Code::kInternal:
    case Code::kMethodNotAllowed: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Code> CodeFromOutcomeWire(uint8_t wire) {
  for (Code c : kAllCodes) {
    auto w = OutcomeWireCode(c);
    if (w && *w == wire) return c;
  }
  return std::nullopt;
}

std::string DefaultOutcomeMessage(const Outcome& o) {
  std::string what;
  switch (o.code) {
    case Code::kPreconditionFailed: what = "a condition is false"; break;
    case Code::kNotFound: what = "a path does not exist"; break;
    case Code::kIsADirectory: what = "a path is a directory"; break;
    case Code::kNotADirectory: what = "a parent is a file"; break;
    case Code::kAlreadyExists: what = "the target already exists"; break;
    case Code::kNotEmpty: what = "the directory is not empty"; break;
    case Code::kIdempotencyKeyReused: what = "idempotency key was used for a different request"; break;
    default: what = std::string(CodeName(o.code)); break;
  }
  if (o.failed_condition >= 0) what += " (condition " + std::to_string(o.failed_condition) + ")";
  if (o.failed_index >= 0) what += " (op " + std::to_string(o.failed_index) + ")";
  return what + " (the first answer to this Idempotency-Key)";
}

}  // namespace walfs
