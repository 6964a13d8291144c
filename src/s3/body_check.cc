#include "s3/body_check.h"

#include "http/util.h"

namespace walfs {
namespace {

S3Error BadMd5() {
  return S3Error{"BadDigest", "the body's MD5 is not the Content-MD5 sent; nothing was written"};
}

S3Error BadChecksum(const RequestedChecksum& c) {
  return S3Error{"BadDigest", "The " + c.header +
                                  " you specified did not match the calculated checksum; "
                                  "nothing was written"};
}

}  // namespace

std::variant<BodyDigests, S3Error> BodyDigestsOf(const HeaderMap& headers) {
  BodyDigests d;
  if (auto it = headers.find("content-md5"); it != headers.end()) {
    auto sent = Base64Decode(it->second);
    if (!sent || sent->size() != 16) {
      return S3Error{"InvalidDigest", "Content-MD5 is not the base64 of a 16-byte MD5"};
    }
    d.md5 = std::move(*sent);
  }
  auto c = ChecksumOf(headers);
  if (auto* e = std::get_if<S3Error>(&c)) return *e;
  d.checksum = std::move(std::get<0>(c));
  return d;
}

std::optional<S3Error> CheckBody(const BodyDigests& d, std::string_view body) {
  if (d.md5 && *d.md5 != Md5(body)) return BadMd5();
  if (d.checksum) {
    Checksum c(d.checksum->kind);
    c.Update(body);
    if (c.Base64() != d.checksum->value) return BadChecksum(*d.checksum);
  }
  return std::nullopt;
}

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
  if (!failure_ && checksum_ && checksum_->Base64() != want_.checksum->value) {
    failure_ = BadChecksum(*want_.checksum);
  }
  if (failure_) co_return Status(Code::kBadRequest, failure_->message);
  co_return n;
}

}  // namespace walfs
