// Authenticate: who sent a request, from the credentials it carries
// (api-v1.md, "Authentication and TLS"): `Authorization: Bearer <token>`,
// checked against every principal's token_sha256 in constant time, or an
// AWS Signature Version 4 (header or presigned, auth/sigv4.h) by a
// principal's s3_access_key. Only the request's head is needed: a request
// whose credentials fail is answered before its body is read. What a
// signed body must still satisfy comes back as the identity's PayloadCheck.
// Thread-safety: pure function; the config is shared, immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/auth_file.h"
#include "auth/sigv4.h"

namespace walfs {

struct Identity {
  // Null: the request carried no credentials at all.
  std::shared_ptr<const Principal> principal;
  PayloadCheck payload;  // kNone but for SigV4 with a signed payload
};

struct AuthVerdict {
  bool ok = false;
  // Why not, for the S3 listener's codes (kOk for a bad bearer token or an
  // unknown scheme); message never names a secret.
  SigV4Error sigv4_error = SigV4Error::kOk;
  std::string message;
  Identity identity;
};

// headers: names in lower case. now: seconds since the epoch.
// keys: signing keys already derived (may be null).
AuthVerdict Authenticate(const std::shared_ptr<const AuthConfig>& config, std::string_view method,
                         std::string_view target, const SigV4Headers& headers, int64_t now,
                         SigningKeyCache* keys = nullptr);

}  // namespace walfs
