// S3Error: an S3 error answer (s3.md, "Operations": S3's codes and statuses,
// rendered as <Error><Code/><Message/><Resource/><RequestId/></Error>), and
// the translation of walfs's own codes (core/status.h) into S3's.
// Thread-safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace walfs {

struct S3Error {
  std::string code;  // S3's: NoSuchKey, AccessDenied, ...
  std::string message;
  bool operator==(const S3Error&) const = default;
};

// The HTTP status S3 answers a code with (400 for a code it does not know).
int S3StatusFor(std::string_view code);

// The S3 code for a walfs outcome on an object or a bucket request:
// kNotFound is NoSuchKey (the caller says NoSuchBucket when the bucket is
// what is missing), kPreconditionFailed PreconditionFailed, kTooLarge
// EntityTooLarge, kForbidden AccessDenied, an unavailable log
// ServiceUnavailable, and so on.
S3Error S3ErrorFor(const Status& st);

}  // namespace walfs
