#include "s3/body_check.h"

#include "http/util.h"

namespace walfs {
S3Error BadMd5() {
  return S3Error{"BadDigest", "the body's MD5 is not the Content-MD5 sent; nothing was written"};
}

S3Error BadChecksum(const RequestedChecksum& c) {
  return S3Error{"BadDigest", "The " + c.header +
                                  " you specified did not match the calculated checksum; "
                                  "nothing was written"};
}

std::optional<S3Error> MissingTrailer(const RequestedChecksum& c, const HeaderMap* trailers) {
  auto it = trailers ? trailers->find(c.header) : HeaderMap::const_iterator();
  if (trailers == nullptr || it == trailers->end()) {
    return S3Error{"InvalidRequest",
                   "x-amz-trailer announced " + c.header +
                       ", which did not come after the body; nothing was written"};
  }
  if (!ValidChecksumValue(c.kind, it->second)) {
    return S3Error{"InvalidRequest", "Value for " + c.header + " trailer is invalid."};
  }
  return std::nullopt;
}

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
  if (d.checksum && d.checksum->trailer) {
    // A whole body's trailers are headers by now (http/session.h): this
    // one did not come.
    return MissingTrailer(*d.checksum, nullptr);
  }
  if (d.checksum) {
    Checksum c(d.checksum->kind);
    c.Update(body);
    if (c.Base64() != d.checksum->value) return BadChecksum(*d.checksum);
  }
  return std::nullopt;
}

std::optional<S3Error> CheckWholeBody(const HeaderMap& headers, std::string_view body) {
  auto digests = BodyDigestsOf(headers);
  if (auto* e = std::get_if<S3Error>(&digests)) return *e;
  return CheckBody(std::get<BodyDigests>(digests), body);
}

}  // namespace walfs
