// A streamed request body checked against the digests it claims
// (s3/body_check.h) as it is read: at its end a difference is a read error,
// so that a body that differs fails before anything is committed.
// Thread-safety: a CheckedBody belongs to one coroutine.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <optional>

#include "http/body_reader.h"
#include "s3/body_check.h"

namespace walfs {

// A body read through, its digests computed; at its end a difference is a
// read error (kBadRequest) and failure() says which, as S3's error.
class CheckedBody final : public BodyReader {
 public:
  CheckedBody(BodyReader& in, const BodyDigests& d);
  boost::asio::awaitable<Result<size_t>> Read(char* out, size_t max) override;
  // The checksum trailer it checked, once the body has ended (else null):
  // what is stored with the object.
  const HeaderMap* trailers() const override { return checked_.empty() ? nullptr : &checked_; }
  const std::optional<S3Error>& failure() const { return failure_; }

 private:
  BodyReader& in_;
  BodyDigests want_;
  Hasher md5_{Hasher::Algorithm::kMd5};
  std::optional<Checksum> checksum_;
  std::optional<S3Error> failure_;
  HeaderMap checked_;
};

}  // namespace walfs
