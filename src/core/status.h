// Status and Result<T>: expected failures as values.
//
// A Status carries one code from a closed set plus a human sentence. The
// codes are exactly the error codes of the HTTP contract (api-v1.md), plus
// the internal ones a replica needs (io_error, corruption). The mapping to
// HTTP statuses lives in one place: server/http_util.h. The enum's numeric
// values are never stored or hashed: the state machine records outcomes by
// the pinned wire codes of sm/outcome_code.h, so codes may be added or
// reordered here freely.
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace walfs {

enum class Code : unsigned char {
  kOk = 0,
  kBadRequest,
  kInvalidPath,
  kNotFound,
  kIsADirectory,
  kNotADirectory,
  kAlreadyExists,
  kNotEmpty,
  kPreconditionFailed,
  kTooLarge,
  kInvalidRange,
  kIdempotencyKeyReused,
  kLogUnavailable,
  kNotReady,
  kTimeout,
  kRejected,     // an entry that could not be decoded (state machine outcome)
  kCorruption,   // bytes on disk or in the log fail their checksum
  kIoError,      // the replica itself failed (disk, network to the store)
  kUnsupported,  // a newer entry format than this binary understands
  kInternal,
  kMethodNotAllowed,  // 405: the path exists but does not take this method
  kUnauthorized,      // 401: no credentials, or credentials that do not check out
  kForbidden,         // 403: credentials without the right to this request
  kTooManyRequests,   // 429: too many failed authentications from one address
  kCrossVolume,       // 400: a rename or transaction across volumes (scale-out.md)
  kGone,              // 410: a watch from a position whose events are no longer kept
};

// Every code, in declaration order (for tables and tests).
inline constexpr Code kAllCodes[] = {
    Code::kOk,
    Code::kBadRequest,
    Code::kInvalidPath,
    Code::kNotFound,
    Code::kIsADirectory,
    Code::kNotADirectory,
    Code::kAlreadyExists,
    Code::kNotEmpty,
    Code::kPreconditionFailed,
    Code::kTooLarge,
    Code::kInvalidRange,
    Code::kIdempotencyKeyReused,
    Code::kLogUnavailable,
    Code::kNotReady,
    Code::kTimeout,
    Code::kRejected,
    Code::kCorruption,
    Code::kIoError,
    Code::kUnsupported,
    Code::kInternal,
    Code::kMethodNotAllowed,
    Code::kUnauthorized,
    Code::kForbidden,
    Code::kTooManyRequests,
    Code::kCrossVolume,
    Code::kGone,
};

// The contract's snake_case name of a code ("not_found").
std::string_view CodeName(Code c);
// Inverse of CodeName; nullopt for an unknown name.
std::optional<Code> CodeFromName(std::string_view name);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

#define WALFS_RETURN_IF_ERROR(expr) \
  do {                              \
    ::walfs::Status _st = (expr);   \
    if (!_st.ok()) return _st;      \
  } while (0)

}  // namespace walfs
