// The digests a request claims for its body (Content-MD5 and one
// x-amz-checksum-*), and a whole body checked against them (a streamed
// body: s3/checked_body.h).
// Thread-safety: values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "s3/checksum.h"

namespace walfs {

struct BodyDigests {
  std::optional<std::string> md5;  // 16 raw bytes
  std::optional<RequestedChecksum> checksum;
};

// InvalidDigest for a Content-MD5 that is not the base64 of 16 bytes (an
// empty one too); InvalidRequest for a bad checksum header.
std::variant<BodyDigests, S3Error> BodyDigestsOf(const HeaderMap& headers);
// BadDigest naming the first digest body does not have.
std::optional<S3Error> CheckBody(const BodyDigests& d, std::string_view body);
// BodyDigestsOf(headers), then CheckBody: a whole body's digests.
std::optional<S3Error> CheckWholeBody(const HeaderMap& headers, std::string_view body);
S3Error BadMd5();
S3Error BadChecksum(const RequestedChecksum& c);
// The checksum trailer c announced is not among trailers (null: none came),
// or is not a digest of its kind.
std::optional<S3Error> MissingTrailer(const RequestedChecksum& c, const HeaderMap* trailers);

}  // namespace walfs
