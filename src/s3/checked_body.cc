#include "s3/checked_body.h"

namespace walfs {

CheckedBody::CheckedBody(BodyReader& in, const BodyDigests& d) : in_(in), want_(d) {
  if (d.checksum) checksum_.emplace(d.checksum->kind);
}

boost::asio::awaitable<Result<size_t>> CheckedBody::Read(char* out, size_t max) {
  auto n = co_await in_.Read(out, max);
  if (!n.ok()) co_return n;
  std::string_view got(out, *n);
  if (*n > 0) {
    if (want_.md5) md5_.Update(got);
    if (checksum_) checksum_->Update(got);
    co_return n;
  }
  // The end: the body is what the client said, or nothing is written.
  if (want_.md5 && md5_.Final() != *want_.md5) failure_ = BadMd5();
  if (!failure_ && checksum_ && want_.checksum->trailer) {
    // Sent after the body: its trailers say what it claims.
    failure_ = MissingTrailer(*want_.checksum, in_.trailers());
    if (!failure_) want_.checksum->value = in_.trailers()->at(want_.checksum->header);
  }
  if (!failure_ && checksum_ && checksum_->Base64() != want_.checksum->value) {
    failure_ = BadChecksum(*want_.checksum);
  }
  if (!failure_ && checksum_ && want_.checksum->trailer) {
    checked_.emplace(want_.checksum->header, want_.checksum->value);
  }
  if (failure_) co_return Status(Code::kBadRequest, failure_->message);
  co_return n;
}

}  // namespace walfs
