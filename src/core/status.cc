#include "core/status.h"

#include <array>

namespace walfs {
std::string_view CodeName(Code c) {
  switch (c) {
    case Code::kOk:
      return "ok";
    case Code::kBadRequest:
      return "bad_request";
    case Code::kInvalidPath:
      return "invalid_path";
    case Code::kNotFound:
      return "not_found";
    case Code::kIsADirectory:
      return "is_a_directory";
    case Code::kNotADirectory:
      return "not_a_directory";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kNotEmpty:
      return "not_empty";
    case Code::kPreconditionFailed:
      return "precondition_failed";
    case Code::kTooLarge:
      return "too_large";
    case Code::kInvalidRange:
      return "invalid_range";
    case Code::kIdempotencyKeyReused:
      return "idempotency_key_reused";
    case Code::kLogUnavailable:
      return "log_unavailable";
    case Code::kNotReady:
      return "not_ready";
    case Code::kTimeout:
      return "timeout";
    case Code::kRejected:
      return "rejected";
    case Code::kCorruption:
      return "corruption";
    case Code::kIoError:
      return "io_error";
    case Code::kUnsupported:
      return "unsupported";
    case Code::kInternal:
      return "internal";
    case Code::kMethodNotAllowed:
      return "method_not_allowed";
    case Code::kUnauthorized:
      return "unauthorized";
    case Code::kForbidden:
      return "forbidden";
    case Code::kTooManyRequests:
      return "too_many_requests";
    case Code::kCrossVolume:
      return "cross_volume";
    case Code::kGone:
      return "gone";
  }
  return "internal";  // not a Code: a bug
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (Code c : kAllCodes) {
    if (CodeName(c) == name) return c;
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace walfs
