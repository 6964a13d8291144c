#include "sm/outcome_code.h"

namespace walfs {

std::optional<OutcomeCode> OutcomeFromStatus(Code c) {
  switch (c) {
    case Code::kOk:
      return OutcomeCode::kOk;
    case Code::kBadRequest:
      return OutcomeCode::kBadRequest;
    case Code::kInvalidPath:
      return OutcomeCode::kInvalidPath;
    case Code::kNotFound:
      return OutcomeCode::kNotFound;
    case Code::kIsADirectory:
      return OutcomeCode::kIsADirectory;
    case Code::kNotADirectory:
      return OutcomeCode::kNotADirectory;
    case Code::kAlreadyExists:
      return OutcomeCode::kAlreadyExists;
    case Code::kNotEmpty:
      return OutcomeCode::kNotEmpty;
    case Code::kPreconditionFailed:
      return OutcomeCode::kPreconditionFailed;
    case Code::kTooLarge:
      return OutcomeCode::kTooLarge;
    case Code::kIdempotencyKeyReused:
      return OutcomeCode::kIdempotencyKeyReused;
    case Code::kRejected:
      return OutcomeCode::kRejected;
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
    case Code::kMethodNotAllowed:
    case Code::kUnauthorized:
    case Code::kForbidden:
    case Code::kTooManyRequests:
    case Code::kCrossVolume:
    case Code::kGone:
      return std::nullopt;
  }
  return std::nullopt;
}

Code StatusCodeOf(OutcomeCode c) {
  switch (c) {
    case OutcomeCode::kOk:
      return Code::kOk;
    case OutcomeCode::kBadRequest:
      return Code::kBadRequest;
    case OutcomeCode::kInvalidPath:
      return Code::kInvalidPath;
    case OutcomeCode::kNotFound:
      return Code::kNotFound;
    case OutcomeCode::kIsADirectory:
      return Code::kIsADirectory;
    case OutcomeCode::kNotADirectory:
      return Code::kNotADirectory;
    case OutcomeCode::kAlreadyExists:
      return Code::kAlreadyExists;
    case OutcomeCode::kNotEmpty:
      return Code::kNotEmpty;
    case OutcomeCode::kPreconditionFailed:
      return Code::kPreconditionFailed;
    case OutcomeCode::kTooLarge:
      return Code::kTooLarge;
    case OutcomeCode::kIdempotencyKeyReused:
      return Code::kIdempotencyKeyReused;
    case OutcomeCode::kRejected:
      return Code::kRejected;
  }
  return Code::kInternal;  // not an OutcomeCode: a bug
}

std::optional<OutcomeCode> OutcomeCodeFromWire(uint8_t wire) {
  auto c = static_cast<OutcomeCode>(wire);
  switch (c) {
    case OutcomeCode::kOk:
    case OutcomeCode::kBadRequest:
    case OutcomeCode::kInvalidPath:
    case OutcomeCode::kNotFound:
    case OutcomeCode::kIsADirectory:
    case OutcomeCode::kNotADirectory:
    case OutcomeCode::kAlreadyExists:
    case OutcomeCode::kNotEmpty:
    case OutcomeCode::kPreconditionFailed:
    case OutcomeCode::kTooLarge:
    case OutcomeCode::kIdempotencyKeyReused:
    case OutcomeCode::kRejected:
      return c;
  }
  return std::nullopt;
}

std::string_view OutcomeCodeName(OutcomeCode c) { return CodeName(StatusCodeOf(c)); }

std::string DefaultOutcomeMessage(const Outcome& o) {
  std::string what;
  switch (o.code) {
    case OutcomeCode::kPreconditionFailed:
      what = "a condition is false";
      break;
    case OutcomeCode::kNotFound:
      what = "a path does not exist";
      break;
    case OutcomeCode::kIsADirectory:
      what = "a path is a directory";
      break;
    case OutcomeCode::kNotADirectory:
      what = "a parent is a file";
      break;
    case OutcomeCode::kAlreadyExists:
      what = "the target already exists";
      break;
    case OutcomeCode::kNotEmpty:
      what = "the directory is not empty";
      break;
    case OutcomeCode::kIdempotencyKeyReused:
      what = "idempotency key was used for a different request";
      break;
    default:
      what = std::string(OutcomeCodeName(o.code));
      break;
  }
  if (o.failed_condition >= 0) what += " (condition " + std::to_string(o.failed_condition) + ")";
  if (o.failed_index >= 0) what += " (op " + std::to_string(o.failed_index) + ")";
  return what + " (the first answer to this Idempotency-Key)";
}

}  // namespace walfs
