// The digests and comparisons authentication needs, from OpenSSL: SHA-256,
// HMAC-SHA-256, a comparison whose time does not depend on where two
// secrets differ, and random bytes for new tokens.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace walfs {

// 32 raw bytes.
std::string Sha256(std::string_view data);
// MD5 (16 raw bytes): for S3's Content-MD5 and ETags only, never for security.
std::string Md5(std::string_view data);
// SHA-1 (20 raw bytes): for S3's x-amz-checksum-sha1 only.
std::string Sha1(std::string_view data);

// A digest of bytes that come in pieces (SHA-256 unless told).
class Hasher {
 public:
  enum class Algorithm { kSha256, kMd5, kSha1 };
  explicit Hasher(Algorithm a = Algorithm::kSha256);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  void Update(std::string_view data);
  // The raw digest; the hasher starts again, empty.
  std::string Final();

 private:
  void* ctx_;       // EVP_MD_CTX
  const void* md_;  // EVP_MD
};
using Sha256Hasher = Hasher;

// 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// Hex digits (either case) -> bytes; nullopt if not hex.
std::optional<std::string> FromHex(std::string_view hex);
// True if a and b are equal; for equal sizes its time depends only on the
// size.
bool ConstantTimeEqual(std::string_view a, std::string_view b);
// n bytes from OpenSSL's CSPRNG; throws std::runtime_error if it fails.
std::string RandomBytes(size_t n);

}  // namespace walfs
