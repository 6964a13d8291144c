// The digests a request claims for its body (Content-MD5 and one
// x-amz-checksum-*), checked over the body: whole, or as a streamed body is
// read, so that a body that differs fails before anything is committed.
// Thread-safety: values; a CheckedBody belongs to one coroutine.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/body_reader.h"
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

// A body read through, its digests computed; at its end a difference is a
// read error (kBadRequest) and failure() says which, as S3's error.
class CheckedBody final : public BodyReader {
 public:
  CheckedBody(BodyReader& in, const BodyDigests& d);
  boost::asio::awaitable<Result<size_t>> Read(char* out, size_t max) override;
  const std::optional<S3Error>& failure() const { return failure_; }

 private:
  BodyReader& in_;
  BodyDigests want_;
  Hasher md5_{Hasher::Algorithm::kMd5};
  std::optional<Checksum> checksum_;
  std::optional<S3Error> failure_;
};

}  // namespace walfs
