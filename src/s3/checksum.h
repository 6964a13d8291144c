// S3's additional checksums (x-amz-checksum-crc32, -crc32c, -sha1,
// -sha256): which one a request sends, and a digest of that kind computed
// over bytes that come in pieces. CRC32 is zlib's, SHA-1 and SHA-256
// OpenSSL's; CRC32C (Castagnoli) is computed here, as no Debian library
// walfs uses offers it.
// Thread-safety: values; a Checksum belongs to one coroutine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/crypto.h"
#include "http/request.h"
#include "s3/s3_error.h"

namespace walfs {

enum class ChecksumKind { kCrc32, kCrc32c, kSha1, kSha256 };

// A checksum a request sends: its header and the value (base64) it claims.
struct RequestedChecksum {
  std::string header;  // x-amz-checksum-crc32, ...
  ChecksumKind kind = ChecksumKind::kCrc32;
  std::string value;     // empty while trailer: the body's end brings it
  bool trailer = false;  // announced by x-amz-trailer, sent after the body
};

// The x-amz-checksum-* header of a request, if it has one, else the one
// its x-amz-trailer announces; InvalidRequest for two of them, a value that
// is not the base64 of a digest of its kind, or a trailer that is not a
// checksum.
std::variant<std::optional<RequestedChecksum>, S3Error> ChecksumOf(const HeaderMap& headers);
// Whether value is the base64 of a digest of kind.
bool ValidChecksumValue(ChecksumKind kind, std::string_view value);

class Checksum {
 public:
  explicit Checksum(ChecksumKind kind);
  void Update(std::string_view data);
  // The digest in base64, as S3's headers carry it.
  std::string Base64();

 private:
  ChecksumKind kind_;
  uint32_t crc_ = 0;
  std::unique_ptr<Hasher> hasher_;
};

}  // namespace walfs
