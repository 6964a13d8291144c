// The auth file (`walfs serve --auth FILE`): the principals, as JSON, read
// at start and again on SIGHUP (api-v1.md, "Authentication and TLS"):
//
//   {"principals": [
//     {"name": "ingest", "role": "write", "prefixes": ["/logs", "/tmp"],
//      "token_sha256": "<hex sha256 of the bearer token>",
//      "s3_access_key": "AKIDINGEST", "s3_secret_key": "..."}]}
//
// A file with any mistake is refused whole, with a sentence that names the
// principal and the field and never shows a secret: an unknown field (a
// misspelt "prefix" must not silently grant or deny), an unknown role, a
// prefix that is not a valid path, a hash that is not 64 hex digits, a
// principal with no credential, the same name, token hash or access key
// twice. Limits: kAuthFileBytesMax bytes, kPrincipalsMax principals,
// kPrefixesMax prefixes each.
// Thread-safety: AuthConfig is immutable once parsed; share it by
// shared_ptr<const AuthConfig> and swap the pointer to reload.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "core/status.h"

namespace walfs {

inline constexpr size_t kAuthFileBytesMax = 4u << 20;
inline constexpr size_t kPrincipalsMax = 10000;
inline constexpr size_t kPrefixesMax = 1000;

class AuthConfig {
 public:
  const std::vector<Principal>& principals() const { return principals_; }
  // The principal whose token_sha256 is the SHA-256 of token, or null.
  // Every principal's hash is compared, each in constant time: the time
  // says nothing of which principal, or which byte, came close.
  const Principal* ByToken(std::string_view token) const;
  // The principal with this S3 access key, or null.
  const Principal* ByAccessKey(std::string_view access_key) const;

 private:
  friend Result<AuthConfig> ParseAuthFile(std::string_view text);
  std::vector<Principal> principals_;
  std::map<std::string, size_t, std::less<>> by_access_key_;
};

Result<AuthConfig> ParseAuthFile(std::string_view text);
// Reads and parses path; the error names the file.
Result<AuthConfig> LoadAuthFile(const std::string& path);

}  // namespace walfs
