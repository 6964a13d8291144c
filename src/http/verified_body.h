// A request body checked against what its SigV4 signature says of it
// (auth/sigv4.h PayloadCheck): its SHA-256 (x-amz-content-sha256), or its
// aws-chunked encoding, decoded with every chunk's signature checked. A body
// that does not match fails with kUnauthorized (401) at its end, before the
// write it carries is proposed or its upload committed: a replayed request
// with a changed body writes nothing.
// Thread-safety: one request's body, one coroutine.
#pragma once

#include <optional>
#include <string>

#include "auth/aws_chunked.h"
#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "http/body_reader.h"

namespace walfs {

// A whole body (read before the request is handled): ok, or why not; an
// aws-chunked body is replaced by what it decodes to, and its trailers, if
// any, go to *trailers.
Status VerifyWholeBody(const PayloadCheck& check, std::string* body, HeaderMap* trailers);

// A streamed body, checked as it is read.
class VerifiedBodyReader final : public BodyReader {
 public:
  VerifiedBodyReader(BodyReader& inner, const PayloadCheck& check);
  boost::asio::awaitable<Result<size_t>> Read(char* out, size_t max) override;
  const HeaderMap* trailers() const override;

 private:
  BodyReader& inner_;
  const PayloadCheck& check_;
  bool ended_ = false;
  Sha256Hasher hash_;                         // kSha256
  std::optional<AwsChunkedDecoder> chunked_;  // kChunked
  std::string raw_, decoded_;                 // kChunked: read, and decoded but not yet handed out
  size_t decoded_at_ = 0;
};

}  // namespace walfs
