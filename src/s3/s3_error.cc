#include "s3/s3_error.h"

#include <array>
#include <utility>

namespace walfs {
namespace {

// S3's error codes with their statuses (the S3 API reference, "Error
// responses"): those walfs answers.
constexpr std::array<std::pair<std::string_view, int>, 37> kStatuses = {{
    {"AccessDenied", 403},
    {"BadDigest", 400},
    {"BucketAlreadyExists", 409},
    {"BucketAlreadyOwnedByYou", 409},
    {"BucketNotEmpty", 409},
    {"EntityTooLarge", 400},
    {"EntityTooSmall", 400},
    {"IncompleteBody", 400},
    {"InternalError", 500},
    {"InvalidAccessKeyId", 403},
    {"InvalidArgument", 400},
    {"InvalidBucketName", 400},
    {"InvalidDigest", 400},
    {"InvalidPart", 400},
    {"InvalidPartOrder", 400},
    {"InvalidRange", 416},
    {"InvalidRequest", 400},
    {"InvalidWriteOffset", 400},
    {"KeyTooLongError", 400},
    {"MalformedXML", 400},
    {"MethodNotAllowed", 405},
    {"MissingContentLength", 411},
    {"NoSuchBucket", 404},
    {"NoSuchKey", 404},
    {"NoSuchUpload", 404},
    {"NotImplemented", 501},
    {"PreconditionFailed", 412},
    {"RequestTimeTooSkewed", 403},
    {"RequestTimeout", 400},
    {"ServiceUnavailable", 503},
    {"SignatureDoesNotMatch", 403},
    {"SlowDown", 503},
    {"AuthorizationHeaderMalformed", 400},
    {"ExpiredToken", 400},
    {"XAmzContentSHA256Mismatch", 400},
    {"NotModified", 304},
    {"Conflict", 409},
}};

}  // namespace

int S3StatusFor(std::string_view code) {
  for (const auto& [c, status] : kStatuses) {
    if (c == code) return status;
  }
  return 400;
}

S3Error S3ErrorFor(const Status& st) {
  auto e = [&st](std::string code) { return S3Error{std::move(code), st.message()}; };
  switch (st.code()) {
    case Code::kOk:
    case Code::kInternal:
    case Code::kCorruption:
    case Code::kIoError:
    case Code::kUnsupported:
    case Code::kRejected:
      return e("InternalError");
    case Code::kBadRequest:
    case Code::kInvalidPath:
    case Code::kIdempotencyKeyReused:
    case Code::kCrossVolume:
    case Code::kGone:
      return e("InvalidArgument");
    case Code::kNotFound:
      return e("NoSuchKey");
    case Code::kIsADirectory:
    case Code::kNotADirectory:
    case Code::kAlreadyExists:
      // A key that would make a path both a file and a directory.
      return e("InvalidArgument");
    case Code::kNotEmpty:
      return e("BucketNotEmpty");
    case Code::kPreconditionFailed:
      return e("PreconditionFailed");
    case Code::kTooLarge:
      return e("EntityTooLarge");
    case Code::kInvalidRange:
      return e("InvalidRange");
    case Code::kLogUnavailable:
    case Code::kNotReady:
    case Code::kTimeout:  // the message says whether the write may still apply
      return e("ServiceUnavailable");
    case Code::kMethodNotAllowed:
      return e("MethodNotAllowed");
    case Code::kUnauthorized:
    case Code::kForbidden:
      return e("AccessDenied");
    case Code::kTooManyRequests:
      return e("SlowDown");
  }
  return e("InternalError");
}

}  // namespace walfs
